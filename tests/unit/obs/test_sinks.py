"""Event sinks against real local collectors; a slow or dead sink never blocks emit()."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from proxy.events import EventConfigError, EventRecorder, EventSettings
from proxy.events.sinks.base import Rendered
from proxy.events.sinks.file import FileSink, FileSinkSettings
from proxy.events.sinks.stdout import StdoutSink
from proxy.events.sinks.syslog import SyslogSink, SyslogSinkSettings, rfc5424
from proxy.events.sinks.webhook import WebhookSink, WebhookSinkSettings
from proxy.metrics import Metrics
from tests.unit.obs.helpers import StuckSink, sample, wait_until
from tests.unit.obs.servers import HecCollector, TcpCollector, UdpCollector, closed_port

RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<host>\S+) "
    rb"(?P<app>\S+) (?P<procid>\d+) (?P<msgid>\S+) - (?P<msg>\{.*\})$"
)


def blocked(i: int = 0) -> dict:
    return {
        "event": "ai.request.blocked",
        "incident_id": f"AIDLP-{i:012X}",
        "tool": "openai",
        "decision": "block",
        "reason": "findings",
        "policy_clauses": ["PS2"],
    }


@pytest.fixture
def metrics():
    return Metrics(CollectorRegistry())


def settings(**kw) -> EventSettings:
    return EventSettings.model_validate({"stdout": False, **kw})


def test_stdout_sink_writes_one_json_line_per_event(metrics):
    stream = io.StringIO()
    sink = StdoutSink(100, metrics, stream=lambda: stream)
    recorder = EventRecorder(settings(), metrics, sinks=[sink])
    recorder.emit(blocked(1))
    recorder.emit({"event": "ai.request.allowed", "tool": "anthropic", "decision": "allow"})
    recorder.close()
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["event"] for line in lines] == [
        "ai.request.blocked",
        "ai.request.allowed",
    ]
    assert sample(metrics, "aidlp_events_total", event="ai.request.blocked") == 1


def test_file_sink_rotates(tmp_path, metrics):
    path = tmp_path / "events.jsonl"
    recorder = EventRecorder(
        settings(file={"path": str(path), "max_bytes": 2048, "backup_count": 2}), metrics
    )
    for i in range(60):
        recorder.emit(blocked(i))
    recorder.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["events.jsonl", "events.jsonl.1", "events.jsonl.2"]
    for name in files:
        text = (tmp_path / name).read_text()
        assert len(text.encode()) <= 2048
        assert all(json.loads(line)["event"] == "ai.request.blocked" for line in text.splitlines())
    newest = [json.loads(line) for line in path.read_text().splitlines()]
    assert newest[-1]["incident_id"] == f"AIDLP-{59:012X}"
    assert oct(path.stat().st_mode & 0o777) == "0o640"


def test_file_sink_unwritable_path_is_a_config_error(tmp_path, metrics):
    with pytest.raises(EventConfigError, match=r"events\.file\.path"):
        FileSink(FileSinkSettings(path=str(tmp_path / "missing-dir" / "e.jsonl")), metrics)


def test_rfc5424_format():
    message = rfc5424(
        Rendered("ai.request.blocked", '{"event":"ai.request.blocked"}', 0.0),
        13,
        "aidlp",
        "proxy-1",
        "42",
    )
    assert message == (
        b"<108>1 1970-01-01T00:00:00.000Z proxy-1 aidlp 42 ai.request.blocked - "
        b'{"event":"ai.request.blocked"}'
    )


def test_syslog_udp(metrics):
    collector = UdpCollector()
    recorder = EventRecorder(
        settings(syslog={"host": "127.0.0.1", "port": collector.port}), metrics
    )
    try:
        recorder.emit(blocked(7))
        match = RFC5424.match(collector.receive())
    finally:
        recorder.close()
        collector.close()
    assert match, "not an RFC 5424 message"
    assert int(match["pri"]) == 13 * 8 + 4  # log audit, warning
    assert match["msgid"] == b"ai.request.blocked"
    assert json.loads(match["msg"])["incident_id"] == f"AIDLP-{7:012X}"


def test_syslog_tcp_octet_counting(metrics):
    collector = TcpCollector()
    recorder = EventRecorder(
        settings(syslog={"host": "127.0.0.1", "port": collector.port, "protocol": "tcp"}), metrics
    )
    for i in range(25):
        recorder.emit(blocked(i))
    try:
        frames = wait_until(lambda: len(collector.frames()) == 25 and collector.frames())
    finally:
        recorder.close()
        collector.close()
    ids = [json.loads(RFC5424.match(f)["msg"])["incident_id"] for f in frames]
    assert ids == [f"AIDLP-{i:012X}" for i in range(25)]


def test_syslog_tcp_collector_down_counts_drops_then_recovers(metrics):
    port = closed_port()
    sink = SyslogSink(SyslogSinkSettings(host="127.0.0.1", port=port, protocol="tcp"), metrics)
    sink.start()
    sink.offer(Rendered("ai.request.blocked", "{}", 0.0))
    wait_until(
        lambda: (
            sample(metrics, "aidlp_event_drops_total", sink="syslog", reason="delivery_failed") == 1
        )
    )
    sink.close(2)


def test_webhook_hec_format_and_token(metrics):
    collector = HecCollector()
    recorder = EventRecorder(
        settings(webhook={"url": collector.url, "index": "aidlp", "batch_size": 10}),
        metrics,
        environ={"AIDLP_HEC_TOKEN": "hec-token-123"},
    )
    for i in range(3):
        recorder.emit(blocked(i))
    recorder.close()
    collector.close()
    events = collector.events()
    assert [e["event"]["incident_id"] for e in events] == [f"AIDLP-{i:012X}" for i in range(3)]
    assert all(
        e["sourcetype"] == "aidlp:event"
        and e["source"] == "aidlp"
        and e["index"] == "aidlp"
        and isinstance(e["time"], float)
        and e["host"]
        for e in events
    )
    assert all(r["headers"]["Authorization"] == "Splunk hec-token-123" for r in collector.requests)
    assert all(r["headers"]["Content-Type"] == "application/json" for r in collector.requests)


def test_webhook_retries_with_backoff_then_delivers(metrics):
    collector = HecCollector(statuses=[503, 429])
    sink = WebhookSink(
        WebhookSinkSettings(url=collector.url, backoff_seconds=0.01, max_retries=3), metrics, {}
    )
    sink.start()
    sink.offer(Rendered("ai.request.blocked", json.dumps(blocked(1)), 1.0))
    try:
        wait_until(lambda: sink.delivered == 1)
    finally:
        sink.close(2)
        collector.close()
    assert sink.attempts == 3
    assert len(collector.events()) == 3  # the same batch, resent
    assert sample(metrics, "aidlp_event_drops_total", sink="webhook", reason="delivery_failed") == 0


def test_webhook_gives_up_after_max_retries_and_counts(metrics):
    collector = HecCollector(statuses=[500] * 10)
    sink = WebhookSink(
        WebhookSinkSettings(url=collector.url, backoff_seconds=0.01, max_retries=2), metrics, {}
    )
    sink.start()
    for i in range(3):
        sink.offer(Rendered("ai.request.blocked", json.dumps(blocked(i)), 1.0))
    try:
        wait_until(
            lambda: (
                sample(metrics, "aidlp_event_drops_total", sink="webhook", reason="delivery_failed")
                == 3
            )
        )
    finally:
        sink.close(2)
        collector.close()
    assert sink.attempts in (3, 6, 9)  # 1 + 2 retries per batch


def test_webhook_client_error_is_not_retried(metrics):
    collector = HecCollector(statuses=[400])
    sink = WebhookSink(WebhookSinkSettings(url=collector.url, backoff_seconds=0.01), metrics, {})
    sink.start()
    sink.offer(Rendered("ai.request.blocked", "{}", 1.0))
    try:
        wait_until(
            lambda: (
                sample(metrics, "aidlp_event_drops_total", sink="webhook", reason="rejected") == 1
            )
        )
    finally:
        sink.close(2)
        collector.close()
    assert sink.attempts == 1


def test_webhook_settings_refuse_credentials_in_url():
    with pytest.raises(ValueError, match="credentials"):
        WebhookSinkSettings(url="https://user:pw@hec.example/services/collector")
    with pytest.raises(ValueError, match="http"):
        WebhookSinkSettings(url="file:///etc/passwd")


# ---- a slow or dead sink never blocks the proxy ---------------------------------------------


def _emit_in_thread(recorder: EventRecorder, n: int) -> threading.Thread:
    thread = threading.Thread(target=lambda: [recorder.emit(blocked(i)) for i in range(n)])
    thread.start()
    return thread


def test_hung_webhook_does_not_block_emit(metrics):
    collector = HecCollector(hang=True)
    recorder = EventRecorder(
        settings(
            webhook={"url": collector.url, "queue_size": 10, "batch_size": 5, "timeout_seconds": 30}
        ),
        metrics,
    )
    try:
        recorder.emit(blocked(0))
        assert collector.holding.wait(10)  # the sink thread is now stuck in a request
        emitter = _emit_in_thread(recorder, 500)
        emitter.join(20)
        # emit() finished all 500 while the collector still holds the first request
        assert not emitter.is_alive()
        assert not collector.release.is_set()
        drops = sample(metrics, "aidlp_event_drops_total", sink="webhook", reason="queue_full")
        assert drops == 500 - 10  # exactly what did not fit the bounded queue
        assert recorder.sinks[0].pending() == 10
    finally:
        collector.release.set()
        recorder.close(5)
        collector.close()


def test_stalled_tcp_syslog_does_not_block_emit(metrics):
    collector = TcpCollector(read=False)  # accepts, never reads: the sender's buffers fill
    recorder = EventRecorder(
        settings(
            syslog={
                "host": "127.0.0.1",
                "port": collector.port,
                "protocol": "tcp",
                "queue_size": 50,
                "timeout_seconds": 30,
            }
        ),
        metrics,
    )
    sink = recorder.sinks[0]
    finding = {
        "category": "PERSONAL_DATA",
        "entity_type": "UK_NATIONAL_INSURANCE_NUMBER",
        "count": 1,
        "max_score": 0.5,
        "detector": "uk_nino_recogniser",
    }
    big = {**blocked(0), "findings": [finding] * 100}  # ~10 kB per event

    def stuck() -> bool:
        for _ in range(20):
            recorder.emit(big)
        if not (sink._in_flight and sink.pending() == 50):
            return False
        before = sink.delivered
        time.sleep(0.3)
        return bool(sink.delivered == before and sink._in_flight)

    try:
        wait_until(stuck, timeout=60)  # the sink thread is blocked in sendall()
        emitter = _emit_in_thread(recorder, 1000)
        emitter.join(30)
        assert not emitter.is_alive()
        assert sink._in_flight  # still stuck after all 1000 emits returned
        assert (
            sample(metrics, "aidlp_event_drops_total", sink="syslog", reason="queue_full") >= 1000
        )
        assert sink.pending() == 50
    finally:
        collector.close()
        recorder.close(5)


def test_close_is_bounded_when_a_sink_is_stuck(metrics):
    sink = StuckSink(100, metrics)
    recorder = EventRecorder(settings(), metrics, sinks=[sink])
    recorder.emit(blocked(0))
    assert sink.entered.wait(5)
    for i in range(20):
        recorder.emit(blocked(i))
    closer = threading.Thread(target=recorder.close, kwargs={"timeout": 0.5})
    closer.start()
    closer.join(10)
    assert not closer.is_alive()
    # 20 queued + the one stuck in delivery
    assert sample(metrics, "aidlp_event_drops_total", sink="stuck", reason="shutdown") == 21
    recorder.emit(blocked(99))  # after close: dropped, counted, no exception
    assert sample(metrics, "aidlp_event_drops_total", sink="stuck", reason="closed") == 1
    sink.release.set()


def test_emit_never_raises(metrics):
    recorder = EventRecorder(settings(), metrics, sinks=[])
    recorder.emit({"event": "ai.request.blocked", "scan_ms": object()})
    recorder.emit({1: 2, "event": "ai.request.allowed"})  # type: ignore[dict-item]
    assert recorder.failures == 0  # redacted, not failed


def test_stdout_sink_never_writes_inside_a_log_line(metrics):
    """It holds the lock of any logging handler writing to the same stream."""
    stream = io.StringIO()

    class TermLike(logging.Handler):  # like mitmproxy's TermLogHandler: .file, print()
        file = stream

        def emit(self, record: logging.LogRecord) -> None:
            print(self.format(record), file=self.file)

    handler = TermLike()
    sink = StdoutSink(100, metrics, stream=lambda: stream)
    recorder = EventRecorder(settings(), metrics, sinks=[sink])
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        handler.acquire()  # a log line is being written
        try:
            recorder.emit(blocked(1))
            stream.write("[12:00:00] a log line")  # print(): the text, then the newline
            time.sleep(0.3)
            assert stream.getvalue() == "[12:00:00] a log line"  # the event waits
            stream.write("\n")
        finally:
            handler.release()
        wait_until(lambda: sink.delivered == 1)
    finally:
        root.removeHandler(handler)
        recorder.close()
    assert stream.getvalue().splitlines()[1].startswith('{"event":"ai.request.blocked"')
