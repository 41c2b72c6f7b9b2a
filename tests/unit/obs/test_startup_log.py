"""The start-up log: the real metrics address (not masked), date-stamped mitmproxy lines, and
mitmproxy's text log off stdout while JSON events use it (e2e: test_startup_log_e2e.py)."""

from __future__ import annotations

import io
import logging
import re
import sys

import pytest
from mitmproxy.addons.termlog import TermLogHandler

from proxy import startup_log
from proxy.events import logscrub

STAMP = re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] ")


@pytest.fixture
def own_addresses(monkeypatch):
    monkeypatch.setattr(logscrub, "_OWN_ADDRESSES", set())


def test_our_metrics_address_is_printed_as_it_is_and_nothing_else_is_unmasked(own_addresses):
    line = "aidlp: metrics on http://127.0.0.1:9464/metrics"
    assert logscrub.scrub(line) != line  # masked while it is not known as ours
    logscrub.exempt_own_address("127.0.0.1", 9464)
    assert logscrub.scrub(line) == line
    # another address, another port, or a path with an identifier: still masked
    assert logscrub.scrub("http://127.0.0.1:9465/metrics") != "http://127.0.0.1:9465/metrics"
    assert "AB123456C" not in logscrub.scrub("GET http://127.0.0.1:9464/people/AB123456C")
    assert "token=" in logscrub.scrub("127.0.0.1:9464 token=s3cr3t") and "s3cr3t" not in (
        logscrub.scrub("127.0.0.1:9464 token=s3cr3t")
    )


def test_an_ipv6_or_named_listen_address_is_kept_too(own_addresses):
    logscrub.exempt_own_address("::1", 9464)
    logscrub.exempt_own_address("aidlp-prod-0042.corp.example", 9464)
    assert logscrub.scrub("http://[::1]:9464/metrics") == "http://[::1]:9464/metrics"
    named = "http://aidlp-prod-0042.corp.example:9464/metrics"
    assert logscrub.scrub(named) == named


@pytest.fixture
def termlog():
    out = io.StringIO()
    handler = TermLogHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def record(text: str) -> logging.LogRecord:
    return logging.LogRecord("mitmproxy", logging.INFO, __file__, 1, text, None, None)


def test_the_text_log_is_date_stamped_in_utc(termlog):
    assert not STAMP.match(termlog.format(record("x")))  # mitmproxy's own: a time of day
    assert startup_log.apply(events_on_stdout=True) == 1
    line = termlog.format(record("HTTP(S) proxy listening at 127.0.0.1:8080."))
    assert STAMP.match(line), line


def test_the_text_log_leaves_stdout_to_the_events(termlog):
    startup_log.apply(events_on_stdout=True)
    assert termlog.file is sys.stderr
    startup_log.apply(events_on_stdout=False)  # no events on stdout: mitmproxy's default
    assert termlog.file is sys.stdout


def test_the_flow_dumper_follows_the_text_log():
    class Dumper:
        outfp = sys.stdout

    class Addons:
        def get(self, name):
            return dumper if name == "dumper" else None

    class Master:
        addons = Addons()

    dumper = Dumper()
    startup_log.apply(True, Master())
    assert dumper.outfp is sys.stderr
