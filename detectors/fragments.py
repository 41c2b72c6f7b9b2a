"""Values given in pieces: fragments of one value in several parts of a request or in
several turns of a conversation, read whole as the model reads them together.

``"The first half of my NI number is JG1037."`` | ``"The second half is 29A."``, three turns
``"NI: JG"`` | ``"1037"`` | ``"29A"``, halves in reverse order, or a first half followed by a
page of minutes: the plain seams (:mod:`proxy.extract.seams`) join only the text either side
of a boundary, so pieces given in words, far from the boundary or out of order stay apart.

A **fragment** is a short run of letters and digits that can be a piece of a value: it holds
a digit, or is 1-4 capitals. It counts only when the text says it is a piece (a *split cue*
of the data file nearby: "part", "half", "starts", "ends", "prefix", "the rest" ...), or
when its part is so short that it is little more than the piece (``"then 1037"``,
``"NI: JG"``). A chain of digits alone also needs a piece that a value word names
("the NHS number starts 943", data file ``value_cues``). :func:`chain_seams` glues runs of 2-4 consecutive fragments (in their order,
each pair also the other way round and across up to two fragments between them) into seams (:class:`~detectors.types.Seam`) that
the engine scans for values that block alone (:mod:`detectors.seams`); a chain must take
fragments from two parts at least. Everything is bounded: at most :data:`MAX_PER_PART`
fragments of a part, :data:`MAX_CHAIN` in one chain list, :data:`MAX_GLUED` characters per
chain, one RE2 pass per part for the tokens and one for the cues.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import re2

from detectors.types import Seam

_OPTS = re2.Options()
_OPTS.max_mem = 16 << 20

#: a token that can be a piece of a value: letters and digits with a digit, or 1-4 capitals
_TOKEN = re2.compile(r"\b(?:[A-Za-z0-9]{0,23}[0-9][A-Za-z0-9]{0,23}|[A-Z]{1,4})\b", _OPTS)
#: a part this short (stripped) is little more than its pieces: every token counts
SHORT_PART = 32
#: how far before / after a fragment a split cue may be (same part)
CUE_BEFORE = 48
CUE_AFTER = 32
#: how far before / after a fragment a value word may be (same part)
NAME_BEFORE = 64
NAME_AFTER = 48
#: fragments taken from one part (its first and last ones when it has more)
MAX_PER_PART = 16
#: fragments in one chain list (the most recent kept)
MAX_CHAIN = 64
#: longest glued chain (an IBAN is 34 characters)
MAX_GLUED = 40
#: longest run of consecutive fragments glued into one chain
MAX_RUN = 4
#: longest run of digit-only fragments: four years or amounts glued make a Luhn-valid card
#: number one time in ten (an NHS number comes in three pieces, 943 | 476 | 5919); and a
#: digit-only chain needs a piece a value word names ("the NHS number starts 943"): three
#: years glued are a checksum-valid 12-digit national number one time in ten too
MAX_DIGIT_RUN = 3


@dataclass(frozen=True, slots=True)
class Fragment:
    """One piece: its text, where it starts in the scanned document, and its part (or turn)."""

    text: str
    offset: int
    part: int
    #: a value word is near ("NHS number", "card", "key"), or the part is the piece alone
    named: bool = False
    #: no split cue points at it (a value-like token of a long part): glued only into a
    #: whole value's shape (:data:`_STRONG_SHAPE`)
    loose: bool = False


@functools.cache
def _cue_rx(cues: tuple[str, ...]) -> re2._Regexp:
    alt = "|".join(re.escape(c).replace("\\ ", " +") for c in sorted(cues, key=len, reverse=True))
    return re2.compile(rf"(?i)\b(?:{alt})\b", _OPTS)


def _cues() -> tuple[str, ...]:
    from detectors.normalise import split_cues  # the vocabulary lives in normalise.yaml

    return split_cues()


def _names() -> tuple[str, ...]:
    from detectors.normalise import value_cues

    return value_cues()


def byte_to_char(data: bytes) -> Callable[[int], int]:
    from detectors.normalise import _byte_to_char

    return _byte_to_char(data)


def fragments(
    text: str,
    offset: int,
    part: int,
    cues: tuple[str, ...] | None = None,
    names: tuple[str, ...] | None = None,
) -> list[Fragment]:
    """The fragments of one part (``offset``: where ``text`` starts in the document)."""
    stripped = text.strip()
    if not stripped or not any(c.isdigit() or c.isupper() for c in stripped):
        return []
    short = len(stripped) <= SHORT_PART
    data = text.encode()
    b2c = None if len(data) == len(text) else byte_to_char(data)  # offsets in characters
    tokens: list[tuple[int, str]] = []
    spelled = _spelled_runs(text, data, b2c)
    for m in _TOKEN.finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        if not any(a <= s and e <= b for a, b, _ in spelled):
            tokens.append((s, text[s:e]))
    tokens += [(s, value) for s, _, value in spelled]
    tokens.sort()
    if len(tokens) > 1 or not short:  # a lone letter or digit counts only as a part alone
        tokens = [(s, t) for s, t in tokens if len(t) > 1]  # not "A", "I", "part 2"
    if not tokens:
        return []
    loose: list[tuple[int, str]] = []
    if not short:
        found = [(m.start(), m.end()) for m in _cue_rx(cues or _cues()).finditer(data)]
        if b2c is not None:
            found = [(b2c(a), b2c(b)) for a, b in found]
        ends = [b for _, b in found]
        starts = [a for a, _ in found]
        cued = [(s, t) for s, t in tokens if _cued(s, s + len(t), starts, ends)]
        loose = [(s, t) for s, t in tokens if (s, t) not in cued and _VALUE_LIKE.fullmatch(t)]
        if len(loose) > MAX_LOOSE:
            loose = loose[: MAX_LOOSE // 2] + loose[-MAX_LOOSE // 2 :]
        tokens = cued
        if not tokens:
            return [Fragment(t, offset + s, part, False, True) for s, t in loose]
    if len(tokens) > MAX_PER_PART:
        half = MAX_PER_PART // 2
        tokens = tokens[:half] + tokens[-half:]
    if short and len(tokens) == 1 and tokens[0][1] == stripped:
        return [Fragment(tokens[0][1], offset + tokens[0][0], part, True)]
    named = [(m.start(), m.end()) for m in _cue_rx(names or _names()).finditer(data)]
    if b2c is not None:
        named = [(b2c(a), b2c(b)) for a, b in named]
    n_starts, n_ends = [a for a, _ in named], [b for _, b in named]
    out = [
        Fragment(
            t, offset + s, part, _cued(s, s + len(t), n_starts, n_ends, NAME_BEFORE, NAME_AFTER)
        )
        for s, t in tokens
    ]
    out += [Fragment(t, offset + s, part, False, True) for s, t in loose]
    out.sort(key=lambda f: f.offset)
    return out


#: a token of a long part kept without a cue: letters and digits mixed, or 3+ digits
_VALUE_LIKE = re.compile(r"[A-Za-z]{1,4}[0-9]{2,8}[A-Za-z]?|[0-9]{2,8}[A-Za-z]{1,2}|[0-9]{3,12}")
#: loose tokens kept of one part
MAX_LOOSE = 8
#: the shapes of whole values a loose or far piece may glue into: a NINO, 10-19 digits
#: (NHS, card, account), an AWS key id
_STRONG_SHAPE = re.compile(r"[A-Za-z]{2}[0-9]{6}[A-Da-d]|[0-9]{10,19}|(?:AKIA|ASIA)[A-Z0-9]{16}")


def _spelled_runs(text: str, data: bytes, b2c) -> list[tuple[int, int, str]]:
    """Runs of single capitals, digit words and digits read out one by one (``J G one zero
    three seven``, ``two nine A``) as one token each: ``(start, end, value)``."""
    rx, digits = _spelled_rx()
    out = []
    for m in rx.finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        items = [w for w in re.split(r"[ ,\-]+", text[s:e]) if w]
        if len(items) < 2 or not any(w.lower() in digits for w in items):
            continue
        value = "".join(w if w.isdigit() or len(w) == 1 else digits[w.lower()] for w in items)
        if value.isalnum() and any(c.isdigit() for c in value):
            out.append((s, e, value))
    return out


@functools.cache
def _spelled_rx():
    from detectors.normalise import digit_words

    digits = {w.lower(): str(v) for w, v in digit_words().items() if len(w) > 1}
    alt = "|".join(re.escape(w) for w in sorted(digits, key=len, reverse=True))
    item = rf"(?:[A-Z]|[0-9]{{1,6}}|(?i:{alt}))"
    return re2.compile(rf"\b{item}(?:[ ,\-]{{1,3}}{item}){{1,15}}\b", _OPTS), digits


def _cued(
    s: int,
    e: int,
    starts: list[int],
    ends: list[int],
    before: int = CUE_BEFORE,
    after: int = CUE_AFTER,
) -> bool:
    """A cue ends within ``before`` characters before ``s`` or starts within ``after``
    after ``e``."""
    i = bisect.bisect_right(ends, s)
    if i and s - ends[i - 1] <= before:
        return True
    j = bisect.bisect_left(starts, e)
    return j < len(starts) and starts[j] - e <= after


def chain_seams(
    chain: Sequence[Fragment], keep: Callable[[Sequence[Fragment]], bool] | None = None
) -> list[Seam]:
    """Seams of runs of 2-:data:`MAX_RUN` consecutive fragments glued (and of each pair the
    other way round), from two parts at least (and as ``keep`` says)."""
    chain = list(chain)[-MAX_CHAIN:]
    out: list[Seam] = []
    seen: set[str] = set()

    def add(run: Sequence[Fragment], far: bool = False) -> None:
        if len({f.part for f in run}) < 2 or (keep is not None and not keep(run)):
            return
        text = "".join(f.text for f in run)
        if all(f.loose for f in run):
            return  # one piece at least is pointed at by a cue, or is a part by itself
        if (far or any(f.loose for f in run)) and not _STRONG_SHAPE.fullmatch(text):
            return
        if len(text) > MAX_GLUED or text in seen:
            return
        if text.isdigit() and (len(run) > MAX_DIGIT_RUN or not any(f.named for f in run)):
            return
        seen.add(text)
        runs, position = [], 0
        for f in run:
            runs.append((position, f.offset, len(f.text)))
            position += len(f.text)
        out.append(Seam(text, tuple(runs)))

    for i in range(len(chain)):
        for n in range(2, MAX_RUN + 1):
            if i + n > len(chain):
                break
            add(chain[i : i + n])
        for j in range(i + 1, len(chain)):
            far = j >= i + 1 + _PAIR_REACH  # decoys between the halves: a whole value only
            if j > i + 1:
                add((chain[i], chain[j]), far)  # a noise fragment between the halves
            add((chain[j], chain[i]), far)  # the second half given first
    return out


#: a pair is also glued across this many fragments (the ones between them noise)
_PAIR_REACH = 3


def part_fragments(parts: Sequence[tuple[int, str, str]]) -> list[Fragment]:
    """The fragments of ``(offset, text, where)`` parts, the part's index as its ``part``.
    A request option the extraction swept as ``key: value`` (``model: gpt-4o``,
    ``max_tokens: 100``) is no part of a prompt and gives none."""
    cues, names = _cues(), _names()
    out: list[Fragment] = []
    for index, (offset, text, where) in enumerate(parts):
        if not option_leaf(text, where):
            out += fragments(text, offset, index, cues, names)
    return out


def option_leaf(text: str, where: str) -> bool:
    """``text`` is ``key: value`` of one token under the last key of ``where``."""
    key = _LAST_KEY.search(where)
    if key is None:
        return False
    raw = key.group(1)
    label = _CAMEL.sub(" ", raw).replace("_", " ").replace("-", " ").strip().lower()
    low = text.lower()
    for form in (label, raw.lower()):
        if form and low.startswith(form + ": "):
            return not any(c.isspace() for c in text[len(form) + 2 :].strip())
    return False


#: the last key of a segment's place (``messages[0].author.role`` → ``role``)
_LAST_KEY = re.compile(r"([A-Za-z_][\w-]{0,63})(?:\[\d{1,9}\]){0,8}$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
