"""The shape of proxy/extract/: no import cycles, adapters in declared order and covered by
the catalogue, file kinds registered by their own modules."""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import proxy.extract as extract_package
from proxy.config import load_config
from proxy.extract import RequestView
from proxy.extract.adapter import API, FALLBACK, WEB_APP, Adapter
from proxy.extract.files.kind import FileKind
from proxy.extract.files.reader import kinds
from proxy.extract.registry import ADAPTERS, WS_ADAPTERS, select, select_ws
from tests.importgraph import find_cycle, imports, package_modules
from tests.importgraph import import_graph as graph_of

ROOT = Path(extract_package.__file__).parent
PACKAGE = "proxy.extract"


def _modules() -> dict[str, Path]:
    return package_modules(ROOT, PACKAGE)


def import_graph() -> dict[str, set[str]]:
    graph = graph_of(_modules())
    known = set(graph)
    # the file reader imports every module of proxy.extract.files dynamically (pkgutil)
    graph[f"{PACKAGE}.files.reader"] |= {m for m in known if m.startswith(f"{PACKAGE}.files.")}
    graph[f"{PACKAGE}.files.reader"].discard(f"{PACKAGE}.files.reader")
    # the adapter registry imports every top-level module of proxy.extract (pkgutil)
    registry = f"{PACKAGE}.registry"
    graph[registry] |= {m for m in known if m.count(".") == 2 and m != registry}
    return graph


def test_cycle_finder_finds_a_function_level_cycle(tmp_path: Path) -> None:
    """The checker itself can fail: a back-import inside a function is a cycle."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import pkg.b\n")
    b.write_text("def f():\n    from pkg import a\n    return a\n")
    known = {"pkg.a", "pkg.b"}
    graph = {"pkg.a": imports("pkg.a", a, known), "pkg.b": imports("pkg.b", b, known)}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


def test_proxy_extract_has_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 20  # the walk really saw the package
    assert f"{PACKAGE}.collector" in graph[f"{PACKAGE}.adapter"]
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_extraction_does_not_import_mitmproxy_at_module_level() -> None:
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any((n or "").startswith("mitmproxy") for n in names), name


# ---- adapters ------------------------------------------------------------------------


def _view(method: str, url: str, content_type: str) -> RequestView:
    parts = urlsplit(url)
    body = b"{}"
    if content_type.startswith("multipart/"):
        body = b"--b\r\n\r\nx\r\n--b--\r\n"
    elif content_type == "application/x-www-form-urlencoded":
        body = b"f.req=x"
    elif not content_type.endswith("json"):
        body = b"file bytes"
    return RequestView(
        method=method,
        host=parts.hostname or "",
        path=parts.path,
        query=parts.query,
        content_type=content_type,
        body=body,
    )


def _all_adapter_instances() -> list[Adapter]:
    import importlib

    found: dict[int, Adapter] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Adapter):
                found[id(value)] = value
    return list(found.values())


def test_every_adapter_is_registered_once() -> None:
    assert len({id(a) for a in ADAPTERS}) == len(ADAPTERS)
    assert {id(a) for a in _all_adapter_instances()} == {id(a) for a in ADAPTERS}
    assert len({a.name for a in ADAPTERS}) == len(ADAPTERS)


def test_adapters_are_ordered_by_tier_and_the_fallback_is_last() -> None:
    tiers = [adapter.tier for adapter in ADAPTERS]
    assert tiers == sorted(tiers)
    assert ADAPTERS[-1].tier == FALLBACK and tiers.count(FALLBACK) == 1
    for adapter in ADAPTERS:
        if adapter.tier == WEB_APP:
            assert adapter.hosts, f"{adapter.name}: a web-app adapter declares its hosts"
        if adapter.tier == API:
            assert adapter.paths, f"{adapter.name}: an API adapter declares its paths"
        assert adapter.examples, f"{adapter.name} declares examples"


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
def test_each_adapter_wins_its_examples(adapter: Adapter) -> None:
    """No earlier adapter shadows a later one on the requests it exists for."""
    for method, url, content_type in adapter.examples:
        assert select(_view(method, url, content_type)) is adapter, url


@pytest.mark.parametrize(
    "adapter", [a for a in ADAPTERS if a.tier == WEB_APP], ids=lambda a: a.name
)
def test_web_app_adapters_claim_only_their_hosts(adapter: Adapter) -> None:
    for method, url, content_type in adapter.examples:
        view = _view(method, url, content_type)
        view.host = "unlisted.example"
        assert not adapter.claims(view), url


def test_websocket_adapters_are_the_declared_ones_in_registry_order() -> None:
    assert [a for a in ADAPTERS if a.websocket] == WS_ADAPTERS
    for adapter in WS_ADAPTERS:
        for _method, url, _ct in adapter.examples:
            parts = urlsplit(url)
            view = RequestView("WEBSOCKET", parts.hostname or "", parts.path, websocket=True)
            assert select_ws(view) is adapter, url


# Hosts an adapter recognises but the shipped catalogue does not intercept: cloud storage
# that is not an AI tool by itself (a site adds its tenant's upload host to the catalogue).
NOT_IN_CATALOGUE = {
    "blob.core.windows.net",
    "*.blob.core.windows.net",
    "storage.googleapis.com",
    "*.storage.googleapis.com",
    "*.content-push.googleapis.com",
}


def test_the_catalogue_covers_every_adapter_host() -> None:
    catalogue = load_config().catalogue
    missing = []
    for adapter in ADAPTERS:
        for pattern in adapter.hosts:
            sample = pattern.replace("*.", "sub.", 1)
            if pattern not in NOT_IN_CATALOGUE and catalogue.match(sample) is None:
                missing.append(f"{adapter.name}: {pattern}")
        for _method, url, _ct in adapter.examples:
            host = urlsplit(url).hostname or ""
            if host != "unlisted.example" and not any(
                host == p or host.endswith(p[1:]) for p in NOT_IN_CATALOGUE
            ):
                assert catalogue.match(host) is not None, f"{adapter.name}: {url}"
    assert not missing, missing


# ---- file kinds ----------------------------------------------------------------------


def test_file_kinds_register_themselves_in_priority_order() -> None:
    registered = kinds()
    names = [kind.name for kind in registered]
    assert len(set(names)) == len(names)
    assert {"pdf", "docx", "xlsx", "pptx", "odf", "zip", "gzip", "text", "json", "binary"} <= set(
        names
    )
    priorities = [kind.priority for kind in registered]
    assert priorities == sorted(priorities) and len(set(priorities)) == len(priorities)
    assert names[-1] == "binary"
    assert all(isinstance(kind, FileKind) for kind in registered)
    # each kind lives in a module of proxy.extract.files (one module per kind family)
    assert all(type(kind).__module__.startswith("proxy.extract.files.") for kind in registered)
