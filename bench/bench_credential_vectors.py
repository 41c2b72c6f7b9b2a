"""Credential recall on other secret scanners' public test vectors, read from local mirrors.

    uv run python bench/bench_credential_vectors.py \
        [--noseyparker DIR] [--trufflehog DIR] [--credsweeper DIR] [--misses N] [--family]

Each DIR is a checkout or a bare git directory of that project (read with ``git show``);
nothing is downloaded and nothing of theirs is copied into this repository:

- Nosey Parker (praetorian-inc/noseyparker): the ``examples:`` (positives) and
  ``negative_examples:`` of every rule in the ``secret`` category (identifier rules such as
  bucket names, ARNs and client ids left out) in
  ``crates/noseyparker/data/default/builtin/rules/*.yml``;
- TruffleHog (trufflesecurity/trufflehog): the pattern tests in ``pkg/detectors/**/*_test.go``
  (not ``*_integration_test.go``): each test case's ``input`` (Go string literals,
  ``+`` and ``fmt.Sprintf`` resolved against the file's string variables), positive when
  its ``want`` is not empty;
- CredSweeper (Samsung/CredSweeper): each credential its own expected output
  ``tests/data/output.json`` reports in ``tests/samples/`` (the lines it names, joined).

A case counts as found when ``ScanEngine.scan`` gives it the CREDENTIALS category.
Prints recall per set (and per family with ``--family``) and, with ``--misses N``, up to N
missed cases per set by id (file, rule or test name) with the first 160 characters of the
case, for reading on this machine. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Mirror:
    """Files of a checkout or a bare git directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = not (path / ".git").exists() and (path / "HEAD").exists()

    def files(self, under: str) -> list[str]:
        if self.bare:
            out = subprocess.run(
                ["git", "--git-dir", str(self.path), "ls-tree", "-r", "--name-only", "HEAD", under],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            return out.splitlines()
        base = self.path / under
        return [str(p.relative_to(self.path)) for p in base.rglob("*") if p.is_file()]

    def read(self, name: str) -> str:
        if self.bare:
            return subprocess.run(
                ["git", "--git-dir", str(self.path), "show", f"HEAD:{name}"],
                capture_output=True, check=True,
            ).stdout.decode("utf-8", "replace")  # fmt: skip
        return (self.path / name).read_text(encoding="utf-8", errors="replace")


# -- Nosey Parker -------------------------------------------------------------------------


def noseyparker_cases(mirror: Mirror) -> list[tuple[str, str, str, bool]]:
    """(id, family, text, positive) for every rule example."""
    cases = []
    for name in mirror.files("crates/noseyparker/data/default/builtin/rules"):
        if not name.endswith((".yml", ".yaml")):
            continue
        doc = yaml.safe_load(mirror.read(name)) or {}
        for rule in doc.get("rules", []):
            family = rule.get("id", "?")
            if "secret" not in (rule.get("categories") or ["secret"]):
                continue  # identifier rules (bucket names, ARNs, client ids, usernames)
            for i, ex in enumerate(rule.get("examples") or []):
                cases.append((f"{family}#{i}", family, ex, True))
            for i, ex in enumerate(rule.get("negative_examples") or []):
                cases.append((f"{family}#neg{i}", family, ex, False))
    return cases


# -- TruffleHog: a small evaluator of Go string expressions --------------------------------

_GO_TOKEN = re.compile(
    r'\s*(?:(?P<raw>`[^`]*`)|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<id>[A-Za-z_][\w.]*)'
    r"|(?P<op>[+(),])|(?P<num>\d+))",
    re.S,
)
_GO_ESC = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "0": "\0"}


def _go_unquote(lit: str) -> str:
    body = lit[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "x" and i + 3 < len(body):
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            if n == "u" and i + 5 < len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_GO_ESC.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _sprintf(fmt: str, args: list[str]) -> str:
    it = iter(args)

    def sub(m: re.Match) -> str:
        if m.group(0) == "%%":
            return "%"
        return str(next(it, ""))

    return re.sub(r"%%|%[-+# 0]*\d*(?:\.\d+)?[svdqx]", sub, fmt)


class _GoExpr:
    def __init__(self, text: str, env: dict[str, str]) -> None:
        self.toks = []
        pos = 0
        while pos < len(text):
            m = _GO_TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            self.toks.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        self.i = 0
        self.env = env

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expr(self) -> str:
        value = self.term()
        while self.peek() == ("op", "+"):
            self.take()
            value += self.term()
        return value

    def term(self) -> str:
        kind, val = self.take()
        if kind == "raw":
            return val[1:-1]
        if kind == "str":
            return _go_unquote(val)
        if kind == "num":
            return val
        if kind == "id":
            if self.peek() == ("op", "("):
                self.take()
                args = []
                while self.peek() != ("op", ")"):
                    if self.peek()[0] is None:
                        raise ValueError("unterminated call")
                    args.append(self.expr())
                    if self.peek() == ("op", ","):
                        self.take()
                self.take()
                if val == "fmt.Sprintf":
                    return _sprintf(args[0], args[1:])
                if val == "strings.Repeat":
                    return args[0] * int(args[1])
                if val in ("string", "strings.TrimSpace"):
                    return args[0].strip() if val != "string" else args[0]
                raise ValueError(f"unknown call {val}")
            if val in self.env:
                return self.env[val]
            raise ValueError(f"unknown name {val}")
        if (kind, val) == ("op", "("):
            value = self.expr()
            self.take()
            return value
        raise ValueError(f"unexpected {val!r}")


def _complete(expr: str) -> bool:
    """A non-empty expression not continued on the next line (``"a" +``)."""
    return bool(expr.strip()) and not expr.rstrip().endswith("+")


def _balanced(text: str, start: int) -> int:
    """End of the Go expression starting at ``start`` (a top-level ``,`` or ``}`` or
    newline after a complete expression), skipping strings and brackets."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "'" and i + 2 < len(text):  # a rune literal: '"', '`', '\\n'
            j = text.find("'", i + 1)
            i = j + 1 if 0 < j - i <= 4 else i + 1
            continue
        if c == "`":
            j = text.find("`", i + 1)
            i = j + 1 if j > 0 else len(text)
            continue
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (c == "," or (c == "\n" and _complete(text[start:i]))):
            return i
        i += 1
    return i


_GO_ASSIGN = re.compile(
    r"(?m)^\s*(?:var\s+|const\s+)?([A-Za-z_]\w*)\s*(?::=|=)\s*(?=[`\"]|fmt\.Sprintf|strings\.|[A-Za-z_]\w*\s*\+)"
)
_GO_FIELD = re.compile(r"\b(input|want|name)\s*:\s*")


def trufflehog_cases(mirror: Mirror) -> tuple[list[tuple[str, str, str, bool]], int]:
    """(id, family, text, positive) for each pattern test case; and how many could not be
    resolved."""
    cases, unresolved = [], 0
    for name in mirror.files("pkg/detectors"):
        if not name.endswith("_test.go") or name.endswith("_integration_test.go"):
            continue
        src = mirror.read(name)
        if "input:" not in src:
            continue
        family = name.split("/")[2] if name.count("/") >= 3 else name
        env: dict[str, str] = {}
        for m in _GO_ASSIGN.finditer(src):
            end = _balanced(src, m.end())
            with contextlib.suppress(ValueError, IndexError, StopIteration):
                env[m.group(1)] = _GoExpr(src[m.end() : end], env).expr()
        current: dict[str, str] = {}
        n = 0
        for m in _GO_FIELD.finditer(src):
            end = _balanced(src, m.end())
            current[m.group(1)] = src[m.end() : end].strip()
            if "input" in current and "want" in current:
                want = current["want"].replace(" ", "")
                positive = want not in (
                    "nil",
                    "[]string{}",
                    "[]string(nil)",
                    "",
                ) and not want.startswith("[]string{}")
                try:
                    text = _GoExpr(current["input"], env).expr()
                except (ValueError, IndexError, StopIteration):
                    unresolved += 1
                    current = {}
                    continue
                label = current.get("name", "").strip('"`')[:60]
                cases.append((f"{name}:{n}:{label}", family, text, positive))
                n += 1
                current = {}
    return cases, unresolved


# -- CredSweeper --------------------------------------------------------------------------


def credsweeper_cases(mirror: Mirror) -> list[tuple[str, str, str, bool]]:
    """One case per credential CredSweeper's expected output reports: the lines it names,
    in order, joined (a PEM key or a key id with its secret spans several lines)."""
    expected = json.loads(mirror.read("tests/data/output.json"))
    cases = []
    for n, item in enumerate(expected):
        lines = sorted({(ld["path"], ld["line_num"], ld["line"]) for ld in item["line_data_list"]})
        text = "\n".join(line for _, _, line in lines)
        cases.append((f"{lines[0][0]}:{lines[0][1]}#{n}", item["rule"], text, True))
    return cases


# -- measuring -----------------------------------------------------------------------------


def measure(engine, label: str, cases, misses: int, by_family: bool) -> None:
    pos = [c for c in cases if c[3]]
    neg = [c for c in cases if not c[3]]
    missed, fam = [], defaultdict(lambda: [0, 0])
    for cid, family, text, _ in pos:
        found = "CREDENTIALS" in engine.scan(text).categories
        fam[family][0] += found
        fam[family][1] += 1
        if not found:
            missed.append((cid, text))
    flagged = sum("CREDENTIALS" in engine.scan(c[2]).categories for c in neg)
    hit = len(pos) - len(missed)
    print(
        f"{label}: recall {hit / max(len(pos), 1):.3f} ({hit}/{len(pos)}); "
        f"negatives with CREDENTIALS {flagged}/{len(neg)}; families fully found "
        f"{sum(1 for f in fam.values() if f[0] == f[1])}/{len(fam)}"
    )
    if by_family:
        for family, (h, n) in sorted(fam.items(), key=lambda kv: kv[1][0] / kv[1][1]):
            if h < n:
                print(f"  {family}: {h}/{n}")
    for cid, text in missed[:misses]:
        print(f"  MISS {cid}: {text[:160]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--noseyparker", type=Path)
    parser.add_argument("--trufflehog", type=Path)
    parser.add_argument("--credsweeper", type=Path)
    parser.add_argument("--misses", type=int, default=0)
    parser.add_argument("--family", action="store_true")
    args = parser.parse_args()

    from detectors.engine import ScanEngine

    engine = ScanEngine()
    if args.noseyparker:
        measure(
            engine,
            "noseyparker",
            noseyparker_cases(Mirror(args.noseyparker)),
            args.misses,
            args.family,
        )
    if args.trufflehog:
        cases, unresolved = trufflehog_cases(Mirror(args.trufflehog))
        print(f"trufflehog: {len(cases)} cases resolved, {unresolved} inputs not resolved")
        measure(engine, "trufflehog", cases, args.misses, args.family)
    if args.credsweeper:
        measure(
            engine,
            "credsweeper",
            credsweeper_cases(Mirror(args.credsweeper)),
            args.misses,
            args.family,
        )


if __name__ == "__main__":
    main()
