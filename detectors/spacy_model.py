"""Where the spaCy model is: found on disk without importing spaCy or the model package.

Light on purpose: ``aidlp run``'s pre-flight checks the model before the proxy listens, and
importing spaCy there (seconds of CPU) would delay start-up for nothing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path


def model_path(name_or_path: str) -> Path:
    """Find a spaCy model directory from a path or an installed package name, without
    importing the package (its ``__init__`` is never executed) and without network."""
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        return _model_dir(p)
    dist_name = name_or_path.replace("_", "-")
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for f in dist.files or ():
            if f.name == "config.cfg" and "dist-info" not in str(f):
                return Path(str(dist.locate_file(f))).parent
    spec = importlib.util.find_spec(name_or_path.replace("-", "_"))
    if spec is not None and spec.submodule_search_locations:
        return _model_dir(Path(next(iter(spec.submodule_search_locations))))
    raise FileNotFoundError(
        f"spaCy model {name_or_path!r} is neither a model directory nor an installed package"
    )


def _model_dir(root: Path) -> Path:
    if (root / "config.cfg").is_file():
        return root
    for cfg in sorted(root.glob("*/config.cfg")):
        return cfg.parent
    raise FileNotFoundError(f"no spaCy model (config.cfg) under {root}")
