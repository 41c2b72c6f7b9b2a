"""End to end on a small temp tree: build an index, then find renamed/reformatted code in
prompts and nothing in unrelated code."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest
from fp_samples import INTERNAL, INTERNAL_EDITED, UNRELATED

from detectors.code.build import build_index
from detectors.code.detector import CodeDetector
from detectors.code.index import FingerprintIndexError
from detectors.code.settings import CodeSettings
from detectors.settings import DetectorSettings


@pytest.fixture(scope="module")
def index_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repos")
    repo = root / "claims-service"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "schedule.py").write_text(INTERNAL)
    public = root / "framework"
    public.mkdir()
    (public / "util.py").write_text(inspect.getsource(textwrap))  # real public code
    out = root / "fp.idx"
    build_index([repo], out, [public])
    return out


@pytest.fixture(scope="module")
def detector(index_path: Path) -> CodeDetector:
    return CodeDetector(CodeSettings(), index_path)


def code_findings(detector: CodeDetector, prompt: str):
    return [f for f in detector.detect(prompt) if f.entity_type == "CODE_FINGERPRINT"]


def test_verbatim_code_in_a_fenced_block(detector: CodeDetector):
    chunk = "\n".join(INTERNAL.splitlines()[19:50])
    prompt = f"Can you optimise this?\n```python\n{chunk}\n```\nThanks"
    [f] = code_findings(detector, prompt)
    meta = dict(f.meta)
    assert f.category == "NON_PUBLIC_CODE" and f.detector == "code_fingerprint"
    assert meta["repos"] == "claims-service" and meta["language"] == "python"
    assert int(meta["matched"]) >= 5 and float(meta["fraction"]) > 0.9
    start = prompt.index(chunk)
    assert start <= f.start < f.end <= start + len(chunk)  # offsets index the prompt


def test_renamed_reindented_uncommented_code_unfenced(detector: CodeDetector):
    prompt = f"Why does this give the wrong total?\n\n{INTERNAL_EDITED}\nIt is urgent.\n"
    [f] = code_findings(detector, prompt)
    assert float(dict(f.meta)["fraction"]) > 0.8
    code_start = prompt.index("def pay_days")
    code_end = code_start + len(INTERNAL_EDITED)
    # the span runs from the first to the last matched k-gram: most of the pasted code
    assert code_start <= f.start < code_start + 100 and code_end - 150 < f.end <= code_end


def test_unrelated_and_public_code_do_not_match(detector: CodeDetector):
    assert code_findings(detector, f"Review:\n```\n{UNRELATED}```\n") == []
    public_chunk = "\n".join(inspect.getsource(textwrap).splitlines()[100:160])
    assert code_findings(detector, public_chunk) == []
    assert code_findings(detector, "What is the capital of France? Just curious.") == []


def test_repo_names_can_be_hidden(index_path: Path):
    hidden = CodeDetector(CodeSettings(hide_repo_names=True), index_path)
    [f] = code_findings(hidden, INTERNAL)
    assert dict(f.meta)["repos"] == "hidden"


def test_thresholds_are_applied(index_path: Path):
    strict = CodeDetector(CodeSettings(min_matched=1000, strong_matched=1000), index_path)
    assert code_findings(strict, INTERNAL) == []


def test_markers_run_with_or_without_an_index():
    detector = CodeDetector(CodeSettings())
    [f] = detector.detect("import uk.gov.dwp.claims.Schedule;")
    assert f.entity_type == "INTERNAL_NAMESPACE" and f.score < CodeSettings().score
    assert CodeDetector(CodeSettings(enabled=False)).detect("import uk.gov.dwp.x;") == []


def test_from_detector_settings(index_path: Path):
    plugin = CodeDetector.from_settings(DetectorSettings(fingerprint_index=str(index_path)))
    assert plugin is not None and plugin.name == "code"
    assert plugin.findings(INTERNAL)
    assert CodeDetector.from_settings(DetectorSettings(code={"enabled": False})) is None


def test_missing_index_fails_at_start_up(tmp_path: Path):
    with pytest.raises(FingerprintIndexError, match="not found"):
        CodeDetector(CodeSettings(), tmp_path / "nope.idx")
