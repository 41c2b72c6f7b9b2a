"""The normaliser's cost on clean text (issue 16): microseconds per prompt spent in
``detectors.normalise.normalise`` (NFKC and confusables, invisible characters, letter-spacing,
separators, digit look-alikes, number words, decoded blobs, turned views) on prompts with
nothing to undo — the work every clean prompt pays for the obfuscation defences.

    uv run python bench/bench_normalise.py [--repeat N] [--corpus FILE.jsonl ...]

Prints the median and p95 over ``--repeat`` runs for a short prompt and a 2 KB prompt, each in
plain ASCII and with everyday non-ASCII typography (curly quotes, dashes, accents); with
``--corpus``, the median per prompt over the allowed rows of those files (read, not kept).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from detectors.normalise import normalise

SHORT = "Can you summarise the attached quarterly report in three bullet points for the team?"
SENTENCES = [
    "The programme board met on Tuesday to review the delivery plan for the next quarter.",
    "Actions from the last meeting were reviewed and two were closed, one remains open.",
    "The team agreed to publish the updated guidance once the policy owner has signed it off.",
    "Risks were discussed, including supplier capacity and the timing of the spending review.",
    "Please draft a short note for staff explaining the change and where to find help.",
]


def long_prompt(typographic: bool) -> str:
    text = ""
    i = 0
    while len(text) < 2048:
        text += SENTENCES[i % len(SENTENCES)] + " "
        i += 1
    text = text[:2048]
    return typographic_version(text) if typographic else text


def typographic_version(text: str) -> str:
    return (
        text.replace("The team", "The team\u2019s lead").replace(", ", " \u2014 ", 3)
        + " \u201cCaf\u00e9\u201d r\u00e9sum\u00e9 na\u00efve."
    )


def time_us(text: str, repeat: int) -> tuple[float, float]:
    normalise(text)  # warm caches (lru, RE2 DFA)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        normalise(text)
        runs.append((time.perf_counter() - started) * 1e6)
    runs.sort()
    return statistics.median(runs), runs[int(len(runs) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--corpus", action="append", default=[])
    args = parser.parse_args()
    cases = {
        f"short ASCII ({len(SHORT)} chars)": SHORT,
        f"short typographic ({len(typographic_version(SHORT))} chars)": typographic_version(SHORT),
        "2 KB ASCII": long_prompt(False),
        "2 KB typographic": long_prompt(True),
    }
    for label, text in cases.items():
        median, p95 = time_us(text, args.repeat)
        views = len(normalise(text))
        print(f"{label:32s} median {median:8.1f} us   p95 {p95:8.1f} us   views {views}")
    if args.corpus:
        prompts = []
        for path in args.corpus:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    if row.get("expect") == "allow" and not row.get("soft"):
                        prompts.append(row["text"])
        per = [time_us(p, 5)[0] for p in prompts]
        per_kb = [us / max(len(p), 1) * 1024 for us, p in zip(per, prompts, strict=True)]
        print(
            f"corpus: {len(prompts)} allowed prompts, median {statistics.median(per):.1f} us"
            f" per prompt, median {statistics.median(per_kb):.1f} us per KB"
        )


if __name__ == "__main__":
    main()
