"""No module-level import cycles in proxy/ or detectors/: each layer imports only the layers
below it (issue 13). proxy/extract/ is held to more (function-level imports count too:
tests/unit/extract/test_extract_structure.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detectors
import proxy
from tests.importgraph import find_cycle, import_graph, package_modules


def _module_level_graph(package) -> dict[str, set[str]]:
    modules = package_modules(Path(package.__file__).parent, package.__name__)
    return {
        name: {t for t in targets if _imported_at_module_level(modules[name], t)}
        for name, targets in import_graph(modules).items()
    }


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


@pytest.mark.parametrize(
    ("package", "edge"),
    [
        (proxy, ("proxy.addons.gate", "proxy.transport.names")),
        (detectors, ("detectors.recognisers.nino", "detectors.base")),
    ],
    ids=["proxy", "detectors"],
)
def test_no_module_level_import_cycles(package, edge) -> None:
    graph = _module_level_graph(package)
    assert edge[1] in graph[edge[0]]  # the walk really saw the package
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_a_module_level_cycle_is_found(tmp_path: Path, monkeypatch) -> None:
    """The check can fail: two modules importing each other at the top."""
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_pkg import b\n")
    (package / "b.py").write_text("import cyclic_pkg.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import cyclic_pkg

    assert find_cycle(_module_level_graph(cyclic_pkg)) == [
        "cyclic_pkg.a",
        "cyclic_pkg.b",
        "cyclic_pkg.a",
    ]
