"""Keyword lexicons and the one-pass keyword index (RE2, linear time).

Groups:

* ``special:<TYPE>`` - special-category terms (health, disability, religion, ethnicity,
  sexual orientation, gender reassignment, pregnancy). They count as SPECIAL_CATEGORY
  only when related to an identified person (``detectors/combine.py``).
* ``personal`` - benefit and case detail (Universal Credit, sanction, arrears, tribunal,
  custody...): personal context that makes a name count.
* ``framing`` - words that frame a prompt as casework about a private individual
  (claimant, my client, draft a letter to...), used to tell casework from a
  general-knowledge question about a public figure.
* ``ctx:<ENTITY>`` - each recogniser's own context words.

The phrases live in ``detectors/data/special.yaml`` and ``context.yaml``
(:mod:`detectors.vocabulary` loads and validates them).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import ahocorasick
import re2

from detectors import vocabulary
from detectors.literals import caseless, fold

VOCABULARY = vocabulary.load()

_SPLIT = re.compile(r"[\s\-]+")


def _key(s: str) -> str:
    return _SPLIT.sub(" ", s.lower().replace("'", "").replace("\u2019", "")).strip()


def _rx(phrase: str) -> str:
    parts = []
    for word in _SPLIT.split(phrase):
        parts.append("'?".join(re2.escape(piece) for piece in word.split("'")))
    return r"[\s\-]+".join(parts)


@dataclass(slots=True)
class Hits:
    """Keyword hits of one text: group → sorted starts, ends and labels."""

    starts: dict[str, list[int]] = field(default_factory=dict)
    ends: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)

    def add(self, group: str, start: int, end: int, label: str) -> None:
        self.starts.setdefault(group, []).append(start)
        self.ends.setdefault(group, []).append(end)
        self.labels.setdefault(group, []).append(label)

    def near(self, group: str, start: int, end: int, before: int, after: int | None = None) -> bool:
        """Is there a hit of ``group`` starting within ``[start-before, end+after]``?"""
        starts = self.starts.get(group)
        if not starts:
            return False
        after = before if after is None else after
        i = bisect.bisect_left(starts, start - before)
        return i < len(starts) and starts[i] <= end + after

    def spans(self, group: str) -> list[tuple[int, int, str]]:
        return list(
            zip(
                self.starts.get(group, []),
                self.ends.get(group, []),
                self.labels.get(group, []),
                strict=True,
            )
        )

    def groups_with_prefix(self, prefix: str) -> list[str]:
        return [g for g in self.starts if g.startswith(prefix)]


#: Nouns that turn a case-detail or special-category word into a work topic: the
#: "overpayment process", "safeguarding training", "referral form", "eviction
#: protections", "mental health awareness" are not facts about a person.
_TOPIC_NEXT = frozenset(w.lower() for w in VOCABULARY.list("context.yaml", "topic_next"))
_TOPIC_GROUPS = ("personal", "casework")
#: a word and a hyphen right before a term: a compound ("gender-blind")
_GLUED_BEFORE = re.compile(r"[A-Za-z]-$")
#: a possessive right before a phrase: it belongs to someone ("her mental health report")
_POSSESSED = re.compile(r"(?i)(?:\w['\u2019]s|\b(?:his|her|their|my|your))\s+$")


def drop_topics(text: str, hits: Hits) -> Hits:
    """Hits without case-detail / special-category words used as a work topic (the word
    right after is a topic noun: "overpayment process", "disability policy")."""
    out = Hits()
    starts, ends, labels = out.starts, out.ends, out.labels
    for group, group_starts in hits.starts.items():
        if not group_starts:
            continue
        group_ends, group_labels = hits.ends[group], hits.labels[group]
        special = group.startswith("special:")
        if not special and group not in _TOPIC_GROUPS:  # no topic rule: all kept
            starts[group], ends[group] = list(group_starts), list(group_ends)
            labels[group] = list(group_labels)
            continue
        for s, e, label in zip(group_starts, group_ends, group_labels, strict=True):
            # "gender-blind", "faith-based": part of a compound adjective (a hyphen first)
            if (
                special
                and s
                and text[s - 1] == "-"
                and _GLUED_BEFORE.search(text, max(0, s - 2), s)
            ):
                continue
            # the next word on the same line ("condition: MS" | "office: Leeds" are two
            # fields) is a topic noun, unless a possessive comes first ("Tom's occupational
            # health report" is about Tom, not a work topic)
            nxt = text[e : e + 24].split("\n", 1)[0].lstrip(" -").split(maxsplit=1)
            if (
                nxt
                and nxt[0].strip(".,;:!?)'\"").lower() in _TOPIC_NEXT
                and not _POSSESSED.search(text, max(0, s - 12), s)
            ):
                continue
            if group in starts:
                starts[group].append(s)
                ends[group].append(e)
                labels[group].append(label)
            else:
                starts[group], ends[group], labels[group] = [s], [e], [label]
    return out


#: what ``[\s\-]+`` between a phrase's words matches: RE2's ``\s`` and the hyphen
_SEPARATORS = "\t\n\f\r-"
#: a run of spaces (from its start, once every separator is a space)
_SPACES = re.compile(" +")
#: RE2's ``\b`` word characters (ASCII only)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _folded_view(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` as the keyword automaton reads it: RE2's ``(?i)`` folds of ASCII letters
    (:func:`detectors.literals.fold`; ``str.lower`` where it gives the same answer for
    every ASCII and caseless character, which is all the automaton's phrases hold), each
    run of separators one space. Returns the view and the offset map: view offset ``q``
    is ``text`` offset ``q + shift[i]`` for the last ``i`` with ``at[i] <= q`` (both
    empty: the view has the text's offsets)."""
    view = text.lower()
    if len(view) != len(text):  # "İ" lowers to two characters
        view = fold(text)
    elif "\u017f" in view:  # LONG S: s in RE2, its own lower case
        view = view.replace("\u017f", "s")
    for sep in _SEPARATORS:
        if sep in view:
            view = view.replace(sep, " ")
    i = view.find("  ")
    if i < 0:
        return view, [], []
    at: list[int] = []
    shift: list[int] = []
    pieces: list[str] = []
    last = removed = 0
    while i >= 0:
        e = _SPACES.match(view, i).end()  # type: ignore[union-attr]
        pieces.append(view[last : i + 1])
        last = e
        removed += e - i - 1
        at.append(e - removed)
        shift.append(removed)
        i = view.find("  ", e)
    pieces.append(view[last:])
    return "".join(pieces), at, shift


def _variants(phrase: str) -> list[str] | None:
    """The strings of the folded view :func:`_rx` of ``phrase`` matches (each ASCII
    apostrophe there or not, words one space apart), or None when the automaton cannot
    stand for it: an empty word (a separator at either end, a word of apostrophes only),
    or a cased non-ASCII letter, whose RE2 case folding is not :func:`literals.fold`."""
    words = [fold(word) for word in _SPLIT.split(phrase)]
    if not all(word.strip("'") for word in words):
        return None
    if not all(c.isascii() or caseless(c) for word in words for c in word):
        return None
    first, *pieces = "\x00".join(words).split("'")
    out = [first]
    for piece in pieces:
        out = [v + sep + piece for v in out for sep in ("'", "")]
    return [v.replace("\x00", " ") for v in out]


class KeywordIndex:
    """Every phrase of every group, found with the answer of one case-insensitive RE2
    ``\b(?:phrase|...)\b`` in longest-match mode (leftmost-longest, non-overlapping) -
    but by one Aho-Corasick pass over a folded view of the text (:func:`_folded_view`):
    the RE2 alternation (108 k chars) was the costliest regex of a scan, its lazily built
    DFA growing with every new text. Phrases with a cased non-ASCII letter ("esclerosis
    múltiple") stay in a small RE2 run only on non-ASCII text (their case folds reach no
    ASCII character); ``tests/unit/detectors/test_lexicon.py`` pins the answer to the
    one-RE2 reference."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self._groups: dict[str, set[str]] = {}
        rest: list[str] = []  # phrases the automaton cannot stand for: RE2
        self._rest_ascii = False  # ... one of which can match ASCII text
        variants: dict[str, int] = {}  # a phrase's strings in the folded view
        for group, phrases in groups.items():
            for phrase in phrases:
                key = _key(phrase)
                if not key:
                    continue
                if key not in self._groups:  # the first phrase of a key stands for it
                    found = _variants(phrase)
                    if found is None:
                        rest.append(_rx(phrase))
                        self._rest_ascii = self._rest_ascii or not _needs_non_ascii(phrase)
                    for v in found or ():
                        variants[v] = len(v)
                self._groups.setdefault(key, set()).add(group)
        # a longer phrase hides the shorter ones inside it (one leftmost-longest pass):
        # "the claimant" is framing and also the NHS recogniser's "claimant" context, so
        # a phrase inherits its sub-phrases' groups (special-category terms excepted:
        # "statutory sick pay" is not a health fact)
        for key in list(self._groups):
            # "wall street journal" is news, not a casework journal: a register phrase
            # inherits only recognisers' context words ("was born" is still "born")
            register_phrase = any(g.startswith("register:") for g in self._groups[key])
            words = key.split()
            for i in range(len(words)):
                for j in range(i + 1, len(words) + 1):
                    sub = " ".join(words[i:j])
                    if sub != key and sub in self._groups:
                        self._groups[key] |= {
                            g
                            for g in self._groups[sub]
                            if not g.startswith("special:")
                            and (not register_phrase or g.startswith("ctx:"))
                        }
        self._automaton: ahocorasick.Automaton | None = None
        if variants:
            self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
            for v, value in variants.items():
                self._automaton.add_word(v, value)
            self._automaton.make_automaton()
        #: a matched string's key and groups (the same few phrases match again and again)
        self._memo: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._rest: re2._Regexp | None = None
        if rest:
            opts = re2.Options()
            opts.case_sensitive = False
            opts.longest_match = True
            opts.max_mem = 256 << 20
            self._rest = re2.compile(r"\b(?:" + "|".join(rest) + r")\b", opts)

    def _found(self, text: str) -> list[tuple[int, int]]:
        """Every automaton phrase occurrence with RE2's ``\\b`` at both ends, as
        ``(start, -end)`` in text offsets, sorted: leftmost first, then longest."""
        if self._automaton is None:
            return []
        view, at, shift = _folded_view(text)
        n = len(text)
        found: list[tuple[int, int]] = []
        for end, length in self._automaton.iter(view):
            s = end + 1 - length
            if at:
                i = bisect.bisect_right(at, s)
                if i:
                    s += shift[i - 1]
            # RE2's \b at both ends, read in the text itself (KELVIN SIGN is no word
            # character there, its folded k is)
            if (s > 0 and text[s - 1] in _WORD) == (text[s] in _WORD):
                continue
            e = end + 1
            if at:
                i = bisect.bisect_right(at, end)
                if i:
                    e += shift[i - 1]
            if (e < n and text[e] in _WORD) == (text[e - 1] in _WORD):
                continue
            found.append((s, -e))
        found.sort()
        return found

    def spans(self, text: str, data: bytes, b2c) -> list[tuple[int, int]]:
        """The (start, end) char spans RE2's ``\\b(?:phrase|...)\\b`` finds in ``text``
        (``data``: its UTF-8; ``b2c``: byte to char offsets, None when ASCII)."""
        found = self._found(text)
        out: list[tuple[int, int]] = []
        pos = 0
        rest = self._rest if self._rest_ascii or b2c is not None else None
        if rest is None:  # leftmost-longest, non-overlapping
            for s, e in found:
                if s >= pos:
                    out.append((s, -e))
                    pos = -e
            return out
        # the automaton's next span or the rest's RE2 search from ``pos``, whichever is
        # leftmost (then longest): the answer of one RE2 of both
        nxt: tuple[int, int] | None = None
        at_char = at_byte = 0  # the last char offset turned into a byte offset
        k = 0
        while True:
            while k < len(found) and found[k][0] < pos:
                k += 1
            if rest is not None and (nxt is None or nxt[0] < pos):
                if b2c is not None:
                    at_byte += len(text[at_char:pos].encode())
                    at_char = pos
                m = rest.search(data, at_byte if b2c is not None else pos)
                if m is None:
                    rest = None
                else:
                    s, e = m.span()
                    nxt = (b2c(s), b2c(e)) if b2c is not None else (s, e)
            if (
                rest is not None
                and nxt is not None
                and (
                    k == len(found)
                    or nxt[0] < found[k][0]
                    or (nxt[0] == found[k][0] and nxt[1] > -found[k][1])
                )
            ):
                out.append(nxt)
                pos = nxt[1]
            elif k < len(found):
                s, e = found[k]
                out.append((s, -e))
                pos = -e
            else:
                return out

    def scan(self, text: str, data: bytes, b2c) -> Hits:
        hits = Hits()
        starts, ends, labels = hits.starts, hits.ends, hits.labels
        memo = self._memo
        for s, e in self.spans(text, data, b2c):
            matched = text[s:e]
            got = memo.get(matched)
            if got is None:
                if len(memo) > 4096:  # case variants are many: keep the memo small
                    memo.clear()
                key = _key(matched)
                got = memo[matched] = (key, tuple(self._groups.get(key, ())))
            key, owners = got
            for group in owners:
                if group in starts:
                    starts[group].append(s)
                    ends[group].append(e)
                    labels[group].append(key)
                else:
                    starts[group] = [s]
                    ends[group] = [e]
                    labels[group] = [key]
        return hits


def _needs_non_ascii(phrase: str) -> bool:
    """Does every match of ``_rx(phrase)`` hold a non-ASCII character (a cased letter whose
    RE2 case folds are all non-ASCII: not KELVIN SIGN or LONG S, which fold to k and s)?"""
    return any(not c.isascii() and not caseless(c) and fold(c) == c for c in phrase)


def default_groups(vocab: vocabulary.Vocabulary | None = None) -> dict[str, list[str]]:
    """The special-category, personal-context and framing groups (``detectors/data``, or
    ``vocab``: the shipped files with the ``detectors.recognisers.vocabulary`` changes)."""
    vocab = vocab or VOCABULARY
    special = vocab.group("special.yaml", "special")
    groups = {f"special:{name}": list(terms) for name, terms in special.items()}
    # "campaigns for Labour", "member of Reform UK": each political act with each party
    groups.setdefault("special:POLITICAL_OPINION", []).extend(
        f"{act} {party}"
        for act in vocab.list("special.yaml", "political_acts")
        for party in vocab.list("special.yaml", "political_parties")
    )
    for key in ("personal", "framing", "casework", "involvement", "workplace"):
        groups[key] = list(vocab.list("context.yaml", key))
    groups["personal"] += groups["casework"]
    for key in (
        *("public_role", "reporting", "news", "encyclopaedic", "fiction", "code_task"),
        "example_cue",
    ):
        groups[f"register:{key}"] = list(vocab.list("register.yaml", key))
    return groups
