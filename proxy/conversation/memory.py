"""A short-lived, bounded memory of conversations kept by the AI tools (RT-65).

ChatGPT web, Claude web, the Responses API, Assistants threads and websocket sessions send
one new turn per request: the rest of the conversation is on the tool's side, so a name in
one request and the condition in the next, or half a NINO in each, would each pass alone.
For those requests the pipeline keeps, per conversation, the tail of what was already sent
(the last :attr:`ConversationSettings.context_chars` characters, cut at a sentence start) and
scans the next turn with that tail in front, as the in-request carry scans the earlier
messages of one request: the cross-message rules and the seam joins apply unchanged.

What is kept, and for how long:

- keyed by (client identity, tool id, conversation id): a proxy user or client address never
  reads another's context, and ids come from the tool (:mod:`proxy.conversation.threads`);
- only text that went upstream (a blocked turn never reached the tool, so is not kept);
- at most ``context_chars`` characters per conversation plus at most :data:`MAX_FRAGMENTS`
  value fragments of its turns (short letter-and-digit runs a split cue points at, see
  :mod:`detectors.fragments`), ``max_conversations``
  conversations (least recently used dropped first), each for ``ttl_seconds`` after its last
  use; never written to disk, never logged, never in an event;
- per proxy process: a fleet behind a balancer that is not sticky per client does not share
  it (each replica sees the turns it served). A conversation the memory does not hold
  (unknown id, expired, dropped from a full store, another replica's) is scanned alone, as
  before; that is never an error.

Everything runs on the proxy's event loop (one thread), in O(context) per request.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from proxy.conversation.settings import ConversationSettings

#: (client identity, tool id, conversation id)
ConversationKey = tuple[str, str, str]

#: value fragments kept per conversation (the most recent; :mod:`detectors.fragments`)
MAX_FRAGMENTS = 32


@dataclass(frozen=True, slots=True)
class Remembered:
    """What is kept of one conversation: the tail of its text, and the value-like fragments
    of every turn so far (``(text, turn, named, loose)``, at most :data:`MAX_FRAGMENTS`, the most recent)
    with the number of turns: a value given in pieces over several turns, or its first half
    followed by pages of other text, is read whole however far apart the pieces are."""

    tail: str
    fragments: tuple[tuple[str, int, bool, bool], ...] = ()
    turns: int = 0
    #: the last sentence of an earlier turn that names someone (:func:`referent`): read
    #: just before the next turn, so "She has …" finds its person however much came between
    referent: str = ""


#: where a remembered tail starts: after a sentence end or a line break
_SENTENCE_START = re.compile(r"[.!?][\"')\]]*\s+|\n")


def continued(previous: str | None, added: str, limit: int) -> str:
    """The tail to remember after a turn: ``previous`` then ``added``, the last ``limit``
    characters, starting at a sentence start when one is near (a name's sentence whole)."""
    joined = f"{previous}\n\n{added}" if previous else added
    if len(joined) <= limit:
        return joined
    cut = len(joined) - limit
    start = _SENTENCE_START.search(joined, cut, min(len(joined), cut + limit // 4))
    return joined[start.end() :] if start is not None else joined[cut:]


#: a sentence of a turn (up to its end or a line break)
_SENTENCE = re.compile(r"[^.!?\n]{1,400}[.!?]?")
#: a name as a sentence writes one: two capitalised words side by side (``Jane Smith``,
#: ``Mr Okafor``), not the sentence's first word alone
_NAME_PAIR = re.compile(
    r"(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)? [A-Z][a-z]+(?:[-'][A-Z][a-z]+)?\b"
)
#: the longest referent sentence kept
REFERENT_CHARS = 240


def referent(text: str, previous: str = "") -> str:
    """The last sentence of ``text`` holding a name-like pair of capitalised words (the
    scanner decides whether it is a person), else ``previous``: the person a later turn's
    "she" or "the claimant" can mean, kept whatever comes between (RT-111)."""
    found = ""
    for m in _SENTENCE.finditer(text):
        sentence = m.group().strip()
        if len(sentence) <= REFERENT_CHARS and _NAME_PAIR.search(" " + sentence[1:]):
            found = sentence
    return found or previous


class ConversationMemory:
    """The conversations' tails, LRU-ordered, each with an expiry (monotonic clock)."""

    def __init__(
        self,
        settings: ConversationSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or ConversationSettings()
        self._clock = clock
        self._tails: OrderedDict[ConversationKey, tuple[float, Remembered]] = OrderedDict()

    def configure(self, settings: ConversationSettings) -> None:
        """New settings (a reload): kept tails stay, trimmed to the new bounds; off forgets."""
        self.settings = settings
        if not settings.enabled:
            self._tails.clear()
            return
        while len(self._tails) > settings.max_conversations:
            self._tails.popitem(last=False)

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def __len__(self) -> int:
        return len(self._tails)

    def recall(self, key: ConversationKey) -> str | None:
        """The conversation's tail, or None (unknown, expired or memory off)."""
        found = self.recall_all(key)
        return None if found is None else found.tail

    def recall_all(self, key: ConversationKey) -> Remembered | None:
        """The conversation's tail and fragments, or None (unknown, expired or memory off)."""
        if not self.settings.enabled:
            return None
        item = self._tails.get(key)
        if item is None:
            return None
        expires, kept = item
        if expires <= self._clock():
            del self._tails[key]
            return None
        self._tails.move_to_end(key)
        return kept

    def remember(
        self,
        key: ConversationKey,
        tail: str,
        fragments: tuple[tuple[str, int, bool, bool], ...] = (),
        turns: int = 0,
        named: str = "",
    ) -> None:
        """Keep ``tail`` (already cut by :func:`continued`) as the conversation's context,
        with the fragments of its turns so far (the last :data:`MAX_FRAGMENTS`) and the last
        sentence naming someone (``named``, :func:`referent`)."""
        settings = self.settings
        if not settings.enabled or not tail:
            return
        kept = Remembered(
            tail[-settings.context_chars :],
            fragments[-MAX_FRAGMENTS:],
            turns,
            named[:REFERENT_CHARS],
        )
        self._tails[key] = (self._clock() + settings.ttl_seconds, kept)
        self._tails.move_to_end(key)
        self._expire_oldest()
        while len(self._tails) > settings.max_conversations:
            self._tails.popitem(last=False)

    def forget(self, key: ConversationKey) -> None:
        self._tails.pop(key, None)

    def _expire_oldest(self) -> None:
        """Drop expired tails from the least recently used end (amortised O(1))."""
        now = self._clock()
        while self._tails:
            key, (expires, _) = next(iter(self._tails.items()))
            if expires > now:
                return
            del self._tails[key]
