"""Code-like segments of a prompt: fenced blocks and runs of code-looking lines."""

from __future__ import annotations

from detectors.code.segments import code_segments, looks_like_code


def texts(prompt: str) -> list[str]:
    return [prompt[s.start : s.end] for s in code_segments(prompt)]


def test_fenced_blocks_with_language():
    prompt = "Explain this:\n\n```java\nint x = 1;\n```\nand\n~~~\nfoo()\n~~~\n"
    segs = code_segments(prompt)
    assert [(prompt[s.start : s.end], s.language, s.fenced) for s in segs] == [
        ("int x = 1;\n", "java", True),
        ("foo()\n", None, True),
    ]


def test_unclosed_fence_runs_to_the_end():
    prompt = "see\n```python\ndef f():\n    return 1\n"
    assert texts(prompt) == ["def f():\n    return 1\n"]


def test_unfenced_run_between_prose():
    code = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s"
    prompt = f"Hi, why is this slow?\n{code}\nThanks for any help you can give me.\n"
    assert texts(prompt) == [code]


def test_run_survives_a_short_prose_gap_but_needs_min_lines():
    prompt = "x = compute(a, b)\n\nThis is the docstring line\ny = x + 1;\nz = y * 2;\n"
    assert texts(prompt) == [prompt.rstrip("\n")]
    assert texts("Just one line: x = f(y)\nThe rest is prose.\n") == []


def test_prose_is_not_code():
    prose = (
        "Dear team,\nPlease find attached the report for the quarter.\n"
        "If you have questions, let me know.\nFor example the totals are higher.\n"
    )
    assert code_segments(prose) == []
    assert not looks_like_code("For the record, this is a sentence.")
    assert looks_like_code("    return value")
    assert looks_like_code("public static void main(String[] args) {")
    assert looks_like_code("result = items[0] + offset")


def test_crlf_offsets():
    prompt = "Look:\r\n```\r\na = 1\r\n```\r\n"
    assert texts(prompt) == ["a = 1\r\n"]
