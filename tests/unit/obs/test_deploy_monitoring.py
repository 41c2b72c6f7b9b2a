"""deploy/prometheus rules (promtool check + unit tests) and the Grafana dashboard's queries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from proxy.metrics import Metrics

ROOT = Path(__file__).resolve().parents[3]
PROM = ROOT / "deploy" / "prometheus"
RULES = PROM / "aidlp-alerts.yml"
RULE_TESTS = PROM / "tests" / "aidlp-alerts.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "aidlp-dashboard.json"
METRIC_NAME = re.compile(r"\baidlp_[a-zA-Z0-9_]+")
#: Grafana template variables, replaced so that promtool can parse the expressions.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h", "$instance": ".*"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("AIDLP_E2E_STRICT") == "1":
        pytest.fail("promtool is required (Debian package prometheus)")
    pytest.skip("promtool is not installed (Debian package prometheus)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def dashboard_exprs() -> list[tuple[str, str]]:
    exprs = []

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            for target in panel.get("targets", []):
                exprs.append((panel["title"], target["expr"]))
            walk(panel.get("panels", []))

    walk(json.loads(DASHBOARD.read_text())["panels"])
    return exprs


def rule_exprs() -> list[tuple[str, str]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [(rule["alert"], rule["expr"]) for group in groups for rule in group["rules"]]


def test_promtool_check_rules():
    result = run(promtool(), "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_rule_unit_tests():
    result = run(promtool(), "test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_scrape_config():
    result = run(promtool(), "check", "config", str(PROM / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test():
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {name for name, _ in rule_exprs()} <= tested


def test_required_alerts_exist():
    exprs = dict(rule_exprs())
    assert 'tool="deepseek"' in exprs["AidlpDeepSeekAttempt"]
    assert "aidlp_scan_errors_total" in exprs["AidlpScanErrors"]
    assert "histogram_quantile(0.99" in exprs["AidlpScanLatencyHigh"]
    assert "invalid" in exprs["AidlpApprovalFailures"]
    assert "offset" in exprs["AidlpBlockRateSpike"]


@pytest.mark.parametrize("source", ["dashboard", "rules"])
def test_every_queried_metric_is_exported(source):
    exported = Metrics(CollectorRegistry()).exported_names()
    exprs = dashboard_exprs() if source == "dashboard" else rule_exprs()
    queried = {(where, name) for where, expr in exprs for name in METRIC_NAME.findall(expr)}
    assert queried, "no aidlp_* metric found in the expressions"
    unknown = sorted((where, name) for where, name in queried if name not in exported)
    assert not unknown, f"queries metrics the proxy does not export: {unknown}"


def test_dashboard_expressions_parse(tmp_path):
    rules = []
    for i, (_, raw) in enumerate(dashboard_exprs()):
        expr = raw
        for var, value in GRAFANA_VARS.items():
            expr = expr.replace(var, value)
        assert "$" not in expr, expr
        rules.append({"record": f"dashboard:panel_{i}", "expr": expr})
    path = tmp_path / "dashboard-exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run(promtool(), "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_has_the_panels_secops_needs():
    titles = {title.lower() for title, _ in dashboard_exprs()}
    for wanted in (
        "requests by tool and decision",
        "blocks by category",
        "top detectors",
        "scan latency p50 / p95 / p99",
        "approvals by result",
        "scan errors by kind",
        "deepseek attempts",
    ):
        assert wanted in titles, wanted
    latency = [e for t, e in dashboard_exprs() if t.startswith("Scan latency")]
    assert {"0.5", "0.95", "0.99"} == {
        re.search(r"histogram_quantile\(([\d.]+)", e)[1] for e in latency
    }


def test_dashboard_is_importable_json():
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] and dash["title"] and dash["schemaVersion"] >= 30
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}"


def _github_anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    import re

    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_alert_links_to_its_runbook_section():
    """Rule (issue 18): each alert carries a runbook_url naming a real section of deploy/README.md."""
    import re

    readme = (ROOT / "deploy" / "README.md").read_text()
    anchors = {_github_anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", readme, re.MULTILINE)}
    rules = yaml.safe_load(RULES.read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert alerts
    for rule in alerts:
        url = rule["annotations"].get("runbook_url", "")
        assert url == f"deploy/README.md#runbook-{rule['alert'].lower()}", rule["alert"]
        assert url.split("#", 1)[1] in anchors, f"{rule['alert']}: no section {url}"


def test_reload_failures_alert():
    """Rule (issue 18): a refused reload (the old config stays in force) alerts."""
    rules = yaml.safe_load(RULES.read_text())
    exprs = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert "reload_failed" in exprs["AidlpReloadFailed"]


def test_servicemonitor_sets_the_job_label_the_alerts_use():
    """Rule (issue 18): AidlpDown reads up{job="aidlp"}; the ServiceMonitor must produce that job."""
    monitor = yaml.safe_load((ROOT / "deploy" / "k8s" / "servicemonitor.yaml").read_text())
    services = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "service.yaml").read_text()))
    wanted = monitor["spec"]["selector"]["matchLabels"]
    scraped = [s for s in services if wanted.items() <= s["metadata"]["labels"].items()]
    assert len(scraped) == 1 and scraped[0]["metadata"]["name"] != "aidlp"  # default job: name
    label = monitor["spec"]["jobLabel"]
    assert scraped[0]["metadata"]["labels"][label] == "aidlp"


def test_no_created_series_and_reload_failures_exported_at_zero():
    """Rule (issue 18): no *_created series; the reload-failure counters exist from start-up."""
    from prometheus_client import generate_latest

    from proxy.metrics import Metrics

    text = generate_latest(Metrics().registry).decode()
    assert "_created" not in text
    assert 'aidlp_events_total{event="aidlp.config.reload_failed"} 0.0' in text
