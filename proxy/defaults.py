"""Where the embedded default configuration lives (read first by the config loader, and by
the block-page guidance when no config file is given)."""

from __future__ import annotations

from pathlib import Path


def default_config_dir() -> Path:
    """The embedded defaults: ``proxy/_defaults`` in a wheel, ``config/`` in a checkout."""
    packaged = Path(__file__).with_name("_defaults")
    if (packaged / "aidlp.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "config"


DEFAULT_CONFIG = default_config_dir() / "aidlp.yaml"
