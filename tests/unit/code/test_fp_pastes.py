"""RT-79 residuals: indexed code pasted with a wrapper on every line (a ``git diff`` of a new
file, line numbers, e-mail quoting) or as a JSON string with ``\\n`` escapes is found; the
finding covers the pasted lines. Each wrapped paste is unwrapped here by plain Python first
(what the reader of the paste sees)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fp_samples import INTERNAL, UNRELATED

from detectors.code.build import build_index
from detectors.code.detector import CodeDetector
from detectors.code.pastes import paste_views
from detectors.code.settings import CodeSettings


@pytest.fixture(scope="module")
def detector(tmp_path_factory) -> CodeDetector:
    root = tmp_path_factory.mktemp("repos")
    repo = root / "claims-service"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "schedule.py").write_text(INTERNAL)
    out = root / "fp.idx"
    build_index([repo], out, [])
    return CodeDetector(CodeSettings(), Path(out))


def _wrapped(code: str) -> dict[str, tuple[str, str]]:
    lines = code.splitlines()
    diff = "diff --git a/s.py b/s.py\nnew file mode 100644\n--- /dev/null\n+++ b/s.py\n"
    diff += f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    return {
        "git diff of a new file": (
            diff,
            "".join(line[1:] + "\n" for line in diff.splitlines()[5:]),
        ),
        "line numbers with a bar": (
            "".join(f"{i + 1:4d}| {line}\n" for i, line in enumerate(lines)),
            code if code.endswith("\n") else code + "\n",
        ),
        "cat -n": ("".join(f"{i + 1:6d}\t{line}\n" for i, line in enumerate(lines)), code),
        "e-mail quoted": ("".join(f"> {line}\n" for line in lines), code),
        "json string": (json.dumps({"file": "s.py", "source": code}), code),
    }


def _found(detector: CodeDetector, prompt: str):
    return [f for f in detector.detect(prompt) if f.entity_type == "CODE_FINGERPRINT"]


@pytest.mark.parametrize("shape", list(_wrapped(INTERNAL)))
def test_a_wrapped_paste_of_indexed_code_is_found(detector: CodeDetector, shape: str) -> None:
    wrapped, plain = _wrapped(INTERNAL)[shape]
    if shape == "json string":
        assert json.loads(wrapped)["source"] == INTERNAL
    else:
        assert any(view.text.strip() == plain.strip() for view in paste_views(wrapped)) or (
            plain.strip() in next(iter(paste_views(wrapped))).text
        )
    prompt = f"Can you speed this up?\n\n{wrapped}\nThanks."
    assert detector.heavy(prompt)
    [finding] = _found(detector, prompt)
    start = prompt.index(wrapped)
    assert start <= finding.start < finding.end <= start + len(wrapped) + 1


@pytest.mark.parametrize("shape", list(_wrapped(UNRELATED)))
def test_wrapped_unrelated_code_is_not_found(detector: CodeDetector, shape: str) -> None:
    wrapped, _ = _wrapped(UNRELATED)[shape]
    assert _found(detector, f"Review:\n{wrapped}") == []


def test_ordinary_lists_and_quotes_are_left_alone(detector: CodeDetector) -> None:
    prose = "Agenda:\n- budget\n- hiring\n- training\n> quoted reply line\n"
    assert _found(detector, prose) == []
