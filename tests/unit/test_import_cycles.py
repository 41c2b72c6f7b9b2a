"""The layers of proxy/ and detectors/ (issue 13): no import cycles among their modules,
imports inside functions counted (only ``if TYPE_CHECKING:`` blocks, which never run, are
left out), and the pure layers never reach mitmproxy, directly or through another module.

The graph is grimp's (the import-linter library): every import statement at any level,
resolved to modules. proxy/extract/ is held to more (its ``TYPE_CHECKING`` imports count
too: tests/unit/extract/test_extract_structure.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

#: Layers that know nothing of mitmproxy: text → findings, extraction, the inspection
#: pipeline (extract → scan → decide), the decision, the responses and the event model.
PURE_LAYERS = (
    "detectors",
    "proxy.extract",
    "proxy.inspection",
    "proxy.policy",
    "proxy.responses",
    "proxy.worker_pool",
    "proxy.events",
)


def import_graph(*packages: str) -> grimp.ImportGraph:
    return grimp.build_graph(
        *packages,
        include_external_packages=True,
        exclude_type_checking_imports=True,
        cache_dir=None,
    )


def import_cycles(graph: grimp.ImportGraph, packages: tuple[str, ...]) -> list[list[str]]:
    """The strongly connected groups (two or more modules importing each other, at any
    distance) among the modules of ``packages``, each sorted."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in packages)
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """Each import inside a cyclic group, with its line: where to cut."""
    members = set(group)
    lines = []
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']}  {detail['line_contents']}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return import_graph("proxy", "detectors")


def test_proxy_and_detectors_have_no_import_cycles(graph) -> None:
    assert "proxy.scan_template" in graph.find_modules_directly_imported_by("proxy.worker_pool")
    assert len(graph.modules) > 150  # the walk really saw both packages
    cycles = import_cycles(graph, ("proxy", "detectors"))
    assert cycles == [], "\n".join(describe(graph, group) for group in cycles)


@pytest.mark.parametrize("layer", PURE_LAYERS)
def test_pure_layers_never_reach_mitmproxy(graph, layer) -> None:
    for module in sorted(m for m in graph.modules if m == layer or m.startswith(layer + ".")):
        chain = graph.find_shortest_chain(importer=module, imported="mitmproxy", as_packages=True)
        assert chain is None, " → ".join(chain or [])


def _package(tmp_path: Path, monkeypatch, files: dict[str, str]) -> str:
    root = tmp_path / "layered_pkg"
    root.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("layered_pkg", None)
    return "layered_pkg"


def test_a_function_level_cycle_is_found(tmp_path: Path, monkeypatch) -> None:
    """The check can fail: a back-import inside a function makes a cycle."""
    name = _package(
        tmp_path,
        monkeypatch,
        {
            "low.py": "def f():\n    from layered_pkg import high\n    return high\n",
            "high.py": "from layered_pkg import low\n",
        },
    )
    graph = import_graph(name)
    assert import_cycles(graph, (name,)) == [["layered_pkg.high", "layered_pkg.low"]]
    assert "layered_pkg.low:2  from layered_pkg import high" in describe(
        graph, ["layered_pkg.high", "layered_pkg.low"]
    )


def test_a_type_checking_import_is_no_cycle_and_mitmproxy_is_found(
    tmp_path: Path, monkeypatch
) -> None:
    name = _package(
        tmp_path,
        monkeypatch,
        {
            "low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from layered_pkg import high\n",
            "high.py": "from layered_pkg import low\n\ndef f():\n    import mitmproxy.http\n",
        },
    )
    graph = import_graph(name)
    assert import_cycles(graph, (name,)) == []
    chain = graph.find_shortest_chain(
        importer=name + ".high", imported="mitmproxy", as_packages=True
    )
    assert chain == ("layered_pkg.high", "mitmproxy")
