"""Issue 21 end to end: the two-stage scan in the real `aidlp run`.

With ``workers.inline_scan_chars`` on (off by default), small prompts that the pattern stage
settles are decided in the proxy process (the
``aidlp_inline_scans{outcome="inline"}`` count moves); a prompt whose outcome names could
change still gets spaCy NER, a prompt with indexed code still gets the fingerprint detector,
and a large document still gets the whole scan: all three in a worker, and none forwarded.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from typing import Any

import pytest

from tests.e2e.harness import ROOT, aidlp_executable

pytestmark = pytest.mark.e2e

CHAT_URL = "https://api.openai.com/v1/chat/completions"

#: only spaCy finds this name (no name pattern does), next to special-category detail
NEEDS_NER = "The tenant, whose name is Zbigniew, has been diagnosed with epilepsy."

#: the "internal" code indexed for this test (written here, never shipped)
INTERNAL_CODE = '''
def reconcile_award_schedule(claim_ledger, payment_calendar, award_rules):
    """Match each scheduled award instalment with the ledger and flag gaps."""
    outstanding = {}
    for instalment in payment_calendar.instalments(claim_ledger.claim_reference):
        paid = claim_ledger.amount_paid_between(instalment.window_start, instalment.window_end)
        expected = award_rules.expected_amount(instalment, claim_ledger.circumstances)
        if paid + award_rules.tolerance_pence < expected:
            outstanding[instalment.sequence] = expected - paid
        elif paid > expected + award_rules.tolerance_pence:
            claim_ledger.record_overpayment(instalment.sequence, paid - expected)
    if outstanding and award_rules.escalate_after_gaps <= len(outstanding):
        payment_calendar.raise_review(claim_ledger.claim_reference, sorted(outstanding))
    return outstanding


def recompute_taper(earnings_history, taper_rate_basis_points, work_allowance_pence):
    tapered = []
    for period in earnings_history.assessment_periods():
        excess = max(0, period.net_earnings_pence - work_allowance_pence)
        reduction = excess * taper_rate_basis_points // 10_000
        tapered.append((period.start_date, period.end_date, reduction))
    return tapered
'''


def chat(text: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def inline_scans(proxy) -> dict[str, float]:
    url = f"http://127.0.0.1:{proxy.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("aidlp_inline_scans{"):
            outcome = line.split('outcome="', 1)[1].split('"', 1)[0]
            out[outcome] = float(line.rsplit(" ", 1)[1])
    return out


def post(proxy, text: str):
    with proxy.httpx() as client:
        return client.post(CHAT_URL, json=chat(text), headers={"Authorization": "Bearer sk-test"})


def findings_of(proxy, incident: str) -> list[dict[str, Any]]:
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None
    return event["findings"]


@pytest.fixture(scope="module")
def fingerprint_proxy(start_proxy, tmp_path_factory: pytest.TempPathFactory):
    source = tmp_path_factory.mktemp("internal-repo") / "benefits-engine"
    (source / "src").mkdir(parents=True)
    (source / "src" / "award.py").write_text(INTERNAL_CODE)
    index = source.parent / "fp.idx"
    subprocess.run(
        [aidlp_executable(), "fingerprint", "build", str(source), "--out", str(index)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    assert index.is_file()
    # a generous budget: these tests are about where a text is scanned, not about the time
    # a scan takes on this shared machine (the default, 1 ms of CPU, is measured in bench/)
    config = (
        "workers:\n  processes: 1\n  inline_scan_chars: 4096\n  inline_scan_budget_ms: 50\n"
        f"detectors:\n  fingerprint_index: {index}\n"
    )
    return start_proxy(config, name="twostage")


def test_small_settled_prompts_are_decided_inline(fingerprint_proxy, upstream_log):
    before = inline_scans(fingerprint_proxy)
    clean = post(fingerprint_proxy, "Summarise the Highway Code in three bullet points.")
    nino = post(fingerprint_proxy, "Her NI number is JH 45 71 23 D, please update the record.")
    after = inline_scans(fingerprint_proxy)
    assert clean.status_code == 200
    assert nino.status_code == 403
    assert after["inline"] - before["inline"] == 2
    assert not [r for r in upstream_log.snapshot() if b"JH 45 71 23 D" in r.body]


def test_a_prompt_needing_names_gets_spacy_ner_in_a_worker(fingerprint_proxy, upstream_log):
    before = inline_scans(fingerprint_proxy)
    response = post(fingerprint_proxy, NEEDS_NER)
    after = inline_scans(fingerprint_proxy)
    assert response.status_code == 403, response.text
    detectors = {
        f["detector"] for f in findings_of(fingerprint_proxy, response.headers["x-aidlp-incident"])
    }
    assert "spacy_ner" in detectors
    assert after["declined"] - before["declined"] == 1
    assert after["inline"] == before["inline"]
    assert not [r for r in upstream_log.snapshot() if b"Zbigniew" in r.body]


def test_a_prompt_with_indexed_code_gets_the_fingerprint_detector(fingerprint_proxy, upstream_log):
    prompt = "Can you speed this up?\n\n" + INTERNAL_CODE + "\nThanks."
    assert len(prompt) < 4096  # small: the inline stage sees it and hands it on
    before = inline_scans(fingerprint_proxy)
    response = post(fingerprint_proxy, prompt)
    after = inline_scans(fingerprint_proxy)
    assert response.status_code == 403, response.text
    findings = findings_of(fingerprint_proxy, response.headers["x-aidlp-incident"])
    assert {f["category"] for f in findings} == {"NON_PUBLIC_CODE"}
    assert "code_fingerprint" in {f["detector"] for f in findings}
    assert after["declined"] - before["declined"] == 1
    assert not [r for r in upstream_log.snapshot() if b"reconcile_award_schedule" in r.body]


def test_a_large_document_gets_the_whole_scan_in_a_worker(fingerprint_proxy, upstream_log):
    filler = "The estates team reviewed the heating contracts for the northern sites. " * 800
    prompt = filler + "\nClaimant NI number JH 45 71 23 D, please check the award."
    assert len(prompt) > 4096  # over workers.inline_scan_chars: never tried inline
    before = inline_scans(fingerprint_proxy)
    response = post(fingerprint_proxy, prompt)
    after = inline_scans(fingerprint_proxy)
    assert response.status_code == 403, response.text
    findings = findings_of(fingerprint_proxy, response.headers["x-aidlp-incident"])
    assert "UK_NINO" in {f["entity_type"] for f in findings}
    assert after == before  # not an inline scan of any kind
    assert not [r for r in upstream_log.snapshot() if b"JH 45 71 23 D" in r.body]


def test_bench_and_event_figures_name_no_content(fingerprint_proxy):
    """The inline stage records the same event shape: bytes scanned and scan time, no text."""
    response = post(fingerprint_proxy, "Her NI number is JH 45 71 23 D.")
    event = fingerprint_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["x-aidlp-incident"]
    )
    assert event is not None and event["bytes_scanned"] > 0 and event["scan_ms"] >= 0
    assert "JH 45" not in json.dumps(event)
