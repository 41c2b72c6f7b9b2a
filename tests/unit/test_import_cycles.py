"""No import cycles in proxy/ (at any level: function-level imports count) or in detectors/
(module level): each layer imports only the layers below it (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import detectors
import proxy
from tests.importgraph import find_cycle, import_graph, package_modules


def test_proxy_has_no_import_cycles_at_any_level() -> None:
    graph = import_graph(package_modules(Path(proxy.__file__).parent, "proxy"))
    assert len(graph) > 100  # the walk really saw the package
    assert "proxy.transport.names" in graph["proxy.addons.gate"]
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_detectors_have_no_module_level_import_cycles() -> None:
    modules = package_modules(Path(detectors.__file__).parent, "detectors")
    graph = import_graph(modules)
    top_level = {
        name: {t for t in targets if _imported_at_module_level(modules[name], t)}
        for name, targets in graph.items()
    }
    assert "detectors.base" in top_level["detectors.recognisers.nino"]
    cycle = find_cycle(top_level)
    assert cycle is None, " → ".join(cycle or [])


def _imported_at_module_level(path: Path, target: str) -> bool:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import) and any(a.name == target for a in node.names):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and (target == node.module or target.startswith(node.module + "."))
        ):
            return True
    return False
