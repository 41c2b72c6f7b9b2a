"""deploy/k8s: render the kustomization, validate every document against the Kubernetes
schemas (kubernetes-validate bundles them: offline), and check how the pieces fit together."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from proxy.config import load_config

_spec = importlib.util.spec_from_file_location(
    "kustomize_lite", Path(__file__).with_name("kustomize_lite.py")
)
kustomize_lite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kustomize_lite)
render = kustomize_lite.render

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
KUBECTL = shutil.which("kubectl")
#: Oldest and newest Kubernetes minor versions the manifests must validate against.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
#: Kinds with no core schema: checked structurally below.
CRD_KINDS = {"ServiceMonitor"}

# Measured with ps (deploy/README.md, "Sizing"): RSS of `aidlp run` with the small spaCy model.
MEASURED_PROXY_MB = 121  # under 20-client load; 115 idle
MEASURED_WORKER_MB = 187
MEASURED_TRACKER_MB = 14


def kubectl_render() -> list[dict[str, Any]]:
    out = subprocess.run(
        [KUBECTL, "kustomize", str(K8S)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    """The rendered manifests: real kustomize (kubectl) when present, else kustomize_lite."""
    return kubectl_render() if KUBECTL else render(K8S)


def find(docs, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def mib(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi|M|G)?", quantity).groups()
    factor = {"Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20, None: 1 / 2**20}[unit]
    return float(number) * factor


def cpu(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


# ---- rendering and schemas ------------------------------------------------------------------


def test_renders_every_kind(docs) -> None:
    kinds = {d["kind"] for d in docs}
    assert {
        "Namespace",
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ConfigMap",
        "Secret",
        "ServiceMonitor",
    } <= kinds
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "aidlp", doc["metadata"]["name"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_document_validates_against_kubernetes_schemas(docs, version: str) -> None:
    checked = 0
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} invalid at {path}: {exc.message}")
        # a missing schema raises SchemaNotFoundError: a core kind is never silently skipped
        checked += 1
    assert checked == len(docs) - sum(d["kind"] in CRD_KINDS for d in docs)


def test_validator_rejects_a_broken_manifest(docs) -> None:
    """The schema check bites: an unknown field and a wrong type are both caught."""
    deployment = yaml.safe_load(yaml.safe_dump(find(docs, "Deployment")))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)
    hpa = yaml.safe_load(yaml.safe_dump(find(docs, "HorizontalPodAutoscaler")))
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, VERSIONS[-1], strict=True)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl not installed: only kustomize_lite renders")
def test_kustomize_lite_agrees_with_kubectl() -> None:
    def key(doc):
        return (doc["kind"], doc["metadata"]["name"])

    real = sorted(kubectl_render(), key=key)
    lite = sorted(render(K8S), key=key)
    assert [key(d) for d in real] == [key(d) for d in lite]
    assert real == lite


# ---- how the pieces fit ----------------------------------------------------------------------


def pod_labels(docs) -> dict[str, str]:
    return find(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]


def container(docs) -> dict[str, Any]:
    return find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def test_probes_hit_the_metrics_server(docs) -> None:
    c = container(docs)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"proxy": 8080, "metrics": 9464}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_pod_is_locked_down(docs) -> None:
    spec = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] >= 1000
    assert spec["automountServiceAccountToken"] is False
    sc = container(docs)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert ":latest" not in container(docs)["image"]


def test_resources_cover_the_measured_footprint(docs) -> None:
    c = container(docs)
    config = load_config(K8S / "files" / "aidlp.yaml").config
    workers = config.workers.processes
    steady = MEASURED_PROXY_MB + MEASURED_TRACKER_MB + workers * MEASURED_WORKER_MB
    during_pool_rebuild = steady + workers * MEASURED_WORKER_MB
    assert mib(c["resources"]["requests"]["memory"]) >= steady
    assert mib(c["resources"]["limits"]["memory"]) >= during_pool_rebuild
    # one CPU per scan worker, and the worker count is pinned (cpu_count sees the node)
    assert workers and cpu(c["resources"]["requests"]["cpu"]) >= workers
    assert cpu(c["resources"]["limits"]["cpu"]) >= cpu(c["resources"]["requests"]["cpu"])


def test_container_config_loads_and_matches_the_ports(docs) -> None:
    loaded = load_config(K8S / "files" / "aidlp.yaml")
    assert loaded.config.listen.port == 8080
    assert (loaded.config.metrics.host, loaded.config.metrics.port) == ("0.0.0.0", 9464)
    assert loaded.config.reload.watch is True
    # the catalogue shipped in the ConfigMap is the embedded default (customise in an overlay)
    # (kustomize refuses files outside deploy/k8s, so this is a copy; keep it current)
    assert (K8S / "files" / "catalogue.yaml").read_text() == (
        ROOT / "config" / "catalogue.yaml"
    ).read_text(), "stale copy: cp config/catalogue.yaml deploy/k8s/files/catalogue.yaml"
    args = container(docs)["args"]
    assert args[:3] == ["run", "--config", "/etc/aidlp/config/aidlp.yaml"]
    assert args[args.index("--listen-host") + 1] == "0.0.0.0"
    assert "confdir=/etc/aidlp/ca" in args[args.index("--") :]


def test_volumes_mount_configmaps_and_secrets_as_directories(docs) -> None:
    spec = find(docs, "Deployment")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m for m in container(docs)["volumeMounts"]}
    for mount in mounts.values():
        assert mount["name"] in volumes
        assert "subPath" not in mount  # subPath mounts never see ConfigMap updates: no reload
    assert mounts["/etc/aidlp/config"]["name"] == "config"
    config_map = find(docs, "ConfigMap", volumes["config"]["configMap"]["name"])
    assert set(config_map["data"]) == {"aidlp.yaml", "catalogue.yaml"}
    find(docs, "ConfigMap", volumes["approval-keys"]["configMap"]["name"])
    find(docs, "Secret", volumes["fingerprint-index"]["secret"]["secretName"])
    ca = volumes["ca"]["secret"]
    assert {i["key"] for i in ca["items"]} == {"mitmproxy-ca.pem", "mitmproxy-dhparam.pem"}
    assert not ca.get("optional"), "without the shared CA a pod must not start"


def test_services_pdb_hpa_and_policy_select_the_pods(docs) -> None:
    labels = pod_labels(docs)
    proxy = find(docs, "Service", "aidlp")
    metrics = find(docs, "Service", "aidlp-metrics")
    for service in (proxy, metrics):
        assert matches(service["spec"]["selector"], labels)
    assert proxy["spec"]["externalTrafficPolicy"] == "Local"  # client_ip in events is real
    assert [p["port"] for p in proxy["spec"]["ports"]] == [8080]  # metrics not on the LB
    assert matches(find(docs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"], labels)
    assert matches(find(docs, "NetworkPolicy")["spec"]["podSelector"]["matchLabels"], labels)
    deployment = find(docs, "Deployment")
    assert matches(deployment["spec"]["selector"]["matchLabels"], labels)
    assert "replicas" not in deployment["spec"]  # the HPA owns it
    hpa = find(docs, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "aidlp"}
    assert hpa["minReplicas"] >= 2
    [metric] = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert find(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] < hpa["minReplicas"]


def test_event_secrets_come_from_a_secret_never_the_configmap(docs) -> None:
    env = {e["name"]: e for e in container(docs)["env"]}
    for name in ("AIDLP_HMAC_KEY", "AIDLP_HEC_TOKEN"):
        assert "value" not in env[name]
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "aidlp-event-keys"
    config = find(docs, "ConfigMap", "aidlp-config")["data"]["aidlp.yaml"]
    assert "token" not in config.lower().replace("token_env", "")


def test_network_policy_opens_only_proxy_metrics_dns_web_and_siem(docs) -> None:
    spec = find(docs, "NetworkPolicy")["spec"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    ingress_ports = {p["port"] for rule in spec["ingress"] for p in rule["ports"]}
    assert ingress_ports == {8080, 9464}
    egress_ports = {p["port"] for rule in spec["egress"] for p in rule["ports"]}
    assert egress_ports <= {53, 80, 443, 514, 8088}
    web = next(r for r in spec["egress"] if any(p["port"] == 443 for p in r["ports"]))
    assert "169.254.0.0/16" in web["to"][0]["ipBlock"]["except"]  # no cloud metadata


def test_service_monitor_structure(docs) -> None:
    """No core schema for the CRD: check what the Prometheus Operator needs, by hand."""
    monitor = find(docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
    spec = monitor["spec"]
    assert set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel", "targetLabels"}
    metrics = find(docs, "Service", "aidlp-metrics")
    assert matches(spec["selector"]["matchLabels"], metrics["metadata"]["labels"])
    assert not matches(
        spec["selector"]["matchLabels"], find(docs, "Service", "aidlp")["metadata"]["labels"]
    )
    assert spec["namespaceSelector"]["matchNames"] == [metrics["metadata"]["namespace"]]
    port_names = {p["name"] for p in metrics["spec"]["ports"]}
    assert spec["endpoints"]
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {
            "port",
            "path",
            "interval",
            "scrapeTimeout",
            "scheme",
            "relabelings",
        }
        assert endpoint["port"] in port_names
        assert endpoint["path"] == "/metrics"
        assert endpoint.get("scheme", "http") in ("http", "https")
        for key in ("interval", "scrapeTimeout"):
            assert re.fullmatch(r"\d+(ms|s|m|h)", endpoint[key])
