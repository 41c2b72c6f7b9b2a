"""Issue 17: a reload that changes the detector settings, or the content of a file they name
(the fingerprint index, at the same path), gets the scan workers a new warm template built
from what the reload read. Workers forked after the reload, including one that replaces a
killed worker, scan with the new settings: never with the engine built from the old ones.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import ROOT, aidlp_executable, child_processes
from tests.e2e.test_two_stage_scan_e2e import INTERNAL_CODE
from tests.e2e.test_worker_crash_e2e import worker_pids

pytestmark = pytest.mark.e2e

CHAT = "https://api.openai.com/v1/chat/completions"
BASE = """\
workers:
  processes: 1
reload:
  interval_seconds: 0.5
  drain_seconds: 10
"""
CODENAME_PROMPT = "Draft the status note for Project Kestrelwing, due on Friday."
DENY_CODENAME = """\
detectors:
  recognisers:
    deny_lists:
      - entity: PROJECT_CODENAME
        category: OFFICIAL_SENSITIVE
        terms: [Kestrelwing]
"""
#: other "internal" code, indexed in place of INTERNAL_CODE by the reload (written here)
OTHER_CODE = '''
def allocate_inspection_rota(inspectors, premises_register, rota_weeks, max_visits_per_day):
    """Spread risk-weighted premises visits over the inspectors' available days."""
    queue = sorted(premises_register.due_visits(), key=lambda v: (-v.risk_score, v.last_seen))
    rota = {inspector.staff_number: [] for inspector in inspectors}
    for week in range(rota_weeks):
        for inspector in inspectors:
            for day in inspector.available_days(week):
                booked = [visit for visit in rota[inspector.staff_number] if visit[0] == day]
                while queue and len(booked) < max_visits_per_day:
                    visit = queue.pop(0)
                    if visit.district not in inspector.districts:
                        queue.append(visit)
                        break
                    booked.append((day, visit.premises_id))
                rota[inspector.staff_number].extend(booked)
    return rota, [visit.premises_id for visit in queue]


def summarise_rota_gaps(rota, premises_register):
    unvisited = set(premises_register.all_ids())
    for bookings in rota.values():
        unvisited -= {premises for _, premises in bookings}
    return sorted(unvisited, key=premises_register.risk_of, reverse=True)
'''


def ask(proxy, text: str) -> httpx.Response:
    with proxy.httpx() as client:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
        return client.post(CHAT, json=body, headers={"Authorization": "Bearer sk-test"})


def templates(proxy) -> list[int]:
    """The proxy's scan-worker templates (forkservers)."""
    return sorted(pid for pid, cmd in child_processes(proxy.proc.pid) if b"forkserver" in cmd)


def wait_reloaded(proxy, seen: int, timeout: float = 90) -> dict:
    """The next ``aidlp.config.reloaded`` event after the ``seen`` earlier ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reloads = [e for e in proxy.events() if e.get("event") == "aidlp.config.reloaded"]
        if len(reloads) > seen:
            return reloads[seen]
        time.sleep(0.2)
    raise AssertionError(f"no reload: {proxy.output()[-2000:]}")


def reloads(proxy) -> int:
    return len([e for e in proxy.events() if e.get("event") == "aidlp.config.reloaded"])


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def ready(proxy) -> bool:
    try:
        url = f"http://127.0.0.1:{proxy.metrics_port}/readyz"
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def categories(proxy, response: httpx.Response) -> set[str]:
    incident = response.headers["x-aidlp-incident"]
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None
    return {f["category"] for f in event["findings"]}


def kill_the_worker(proxy) -> None:
    workers = worker_pids(proxy.proc.pid)
    assert len(workers) == 1, workers
    os.kill(workers[0], signal.SIGKILL)
    wait_for(lambda: worker_pids(proxy.proc.pid) not in ([], workers), what="no new worker")
    wait_for(lambda: ready(proxy), what="/readyz never came back")


def test_a_reload_changing_detector_settings_gets_a_new_template(start_proxy):
    proxy = start_proxy(BASE, name="template-settings")
    first = templates(proxy)
    assert len(first) == 1, first
    assert ask(proxy, CODENAME_PROMPT).status_code == 200

    seen = reloads(proxy)
    assert proxy.config_path is not None
    proxy.config_path.write_text(BASE + DENY_CODENAME)
    event = wait_reloaded(proxy, seen)
    assert event["counts"]["scan_pool_rebuilt"] == 1, event

    blocked = ask(proxy, CODENAME_PROMPT)
    assert blocked.status_code == 403, blocked.text
    assert categories(proxy, blocked) == {"OFFICIAL_SENSITIVE"}
    # the old template goes once its pool has drained; one new template serves
    wait_for(lambda: len(templates(proxy)) == 1 and templates(proxy) != first, what="templates")

    kill_the_worker(proxy)  # the replacement is forked from the new template
    again = ask(proxy, CODENAME_PROMPT)
    assert again.status_code == 403, again.text
    assert categories(proxy, again) == {"OFFICIAL_SENSITIVE"}
    assert "scan worker template not built" not in proxy.output()


def _index(source_code: str, work: Path, index: Path) -> None:
    source = work / "internal-repo"
    (source / "src").mkdir(parents=True, exist_ok=True)
    (source / "src" / "module.py").write_text(source_code)
    built = work / "new.idx"
    subprocess.run(
        [aidlp_executable(), "fingerprint", "build", str(source), "--out", str(built)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    os.replace(built, index)  # the same path, new content


def test_new_fingerprint_index_content_at_the_same_path_reaches_new_workers(
    start_proxy, tmp_path: Path
):
    """Same settings (JSON), new file content: the new pool must not take the engine a
    template built from the old index."""
    index = tmp_path / "fp.idx"
    _index(INTERNAL_CODE, tmp_path / "a", index)
    config = BASE + f"detectors:\n  fingerprint_index: {index}\n"
    proxy = start_proxy(config, name="template-index")
    old_code = "Can you speed this up?\n" + INTERNAL_CODE
    new_code = "Can you speed this up?\n" + OTHER_CODE
    first = ask(proxy, old_code)
    assert first.status_code == 403 and categories(proxy, first) == {"NON_PUBLIC_CODE"}
    assert ask(proxy, new_code).status_code == 200

    seen = reloads(proxy)
    _index(OTHER_CODE, tmp_path / "b", index)
    event = wait_reloaded(proxy, seen)
    assert event["counts"]["scan_pool_rebuilt"] == 1, event

    now_new = ask(proxy, new_code)
    assert now_new.status_code == 403, now_new.text
    assert categories(proxy, now_new) == {"NON_PUBLIC_CODE"}
    assert ask(proxy, old_code).status_code == 200

    wait_for(lambda: len(templates(proxy)) == 1, what="the old template never went")
    kill_the_worker(proxy)
    assert ask(proxy, new_code).status_code == 403
    assert ask(proxy, old_code).status_code == 200
