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

import re2

from detectors import vocabulary

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
    for group in hits.starts:
        topical = group in _TOPIC_GROUPS or group.startswith("special:")
        for s, e, label in hits.spans(group):
            if group.startswith("special:") and _GLUED_BEFORE.search(text, max(0, s - 2), s):
                continue  # "gender-blind", "faith-based": part of a compound adjective
            if topical and not _POSSESSED.search(text, max(0, s - 12), s):
                # ("Tom's occupational health report" is about Tom, not a work topic)
                # (only on the same line: "condition: MS" | "office: Leeds" are two fields)
                nxt = text[e : e + 24].split("\n", 1)[0].lstrip(" -").split(maxsplit=1)
                if nxt and nxt[0].strip(".,;:!?)'\"").lower() in _TOPIC_NEXT:
                    continue
            out.add(group, s, e, label)
    return out


class KeywordIndex:
    """Every phrase of every group in one case-insensitive RE2 (longest match)."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self._groups: dict[str, set[str]] = {}
        alts: list[str] = []
        for group, phrases in groups.items():
            for phrase in phrases:
                key = _key(phrase)
                if not key:
                    continue
                if key not in self._groups:
                    alts.append(_rx(phrase))
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
        opts = re2.Options()
        opts.case_sensitive = False
        opts.longest_match = True
        opts.max_mem = 256 << 20
        self._rx = re2.compile(r"\b(?:" + "|".join(alts) + r")\b", opts) if alts else None

    def scan(self, text: str, data: bytes, b2c) -> Hits:
        hits = Hits()
        if self._rx is None:
            return hits
        for m in self._rx.finditer(data):
            s, e = m.span()
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            key = _key(text[s:e])
            for group in self._groups.get(key, ()):
                hits.add(group, s, e, key)
        return hits


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
