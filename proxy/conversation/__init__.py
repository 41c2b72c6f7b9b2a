"""Conversations the AI tools keep server-side: which one a request continues, what the
proxy remembers of it, and how a new turn is scanned with it (RT-65).

The pipeline (:mod:`proxy.inspection.pipeline`) asks :class:`Conversations` for the
:class:`Thread` of a request (its spec in ``threads.yaml``: ids from the path, the JSON body,
or a websocket's own connection), scans the request's text with the remembered tail in front
(:func:`with_context`: one more segment, seams across the join, findings wholly inside the
tail dropped since they were judged when that text was sent), and after a turn that went
upstream remembers the new tail. The request addon hands the thread to
:class:`AnswerIds`, which reads the ids the next request will name (a response id, a new
chat's id) from the first KiB of the tool's answer. No mitmproxy here.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from detectors.fragments import Fragment, chain_seams, fragments
from detectors.normalise import split_cues, value_cues
from detectors.types import Seam
from proxy.conversation.memory import (
    MAX_FRAGMENTS,
    ConversationKey,
    ConversationMemory,
    ConversationSettings,
    continued,
    referent,
)
from proxy.conversation.threads import (
    ThreadSpec,
    ThreadSpecs,
    conversation_id,
    json_object,
    load_specs,
)
from proxy.extract import Extraction, Segment
from proxy.extract.datatypes import SEGMENT_SEPARATOR
from proxy.extract.deferred_seams import DeferredSeams
from proxy.extract.seams import seams

__all__ = [
    "AnswerIds",
    "ConversationMemory",
    "ConversationSettings",
    "Conversations",
    "Thread",
    "with_context",
    "without_context_findings",
]

#: the ``where`` of the remembered tail when scanned in front of a new turn
CONTEXT_WHERE = "conversation.earlier"

#: how much of an answer (decoded) is searched for the ids it gives the conversation
ANSWER_HEAD_BYTES = 16 * 1024

#: body segments after the tail that its seams may reach (a run of short parts)
_SEAM_HEAD = 8

#: the conversation id of what a tool puts in front of every chat of a user (custom
#: instructions, saved memories, project documents: ``persistent`` specs), per tool
USER_CONTEXT = "user-context"
#: websocket messages searched for the conversation they name (larger ones: the socket only)
_WS_ID_BYTES = 256 * 1024
#: the id prefix of a new chat's first turn, before the tool has named the chat
_NEW_CHAT = "new:"


@dataclass(slots=True)
class Thread:
    """One request's place in a conversation: its keys, and what the answer may name."""

    client: str
    tool: str
    ids: list[str] = field(default_factory=list)
    answer_fields: tuple[str, ...] = ()
    context: str | None = None  #: the remembered tail this turn was scanned with
    tail: str | None = None  #: what to remember after this turn (set once it went upstream)
    #: the remembered value fragments of earlier turns ``(text, turn, named, loose)``, how many turns
    fragments: tuple[tuple[str, int, bool, bool], ...] = ()
    turns: int = 0
    #: the endpoint's spec name when its answers are not read for ids: a turn naming a chat
    #: the memory does not know continues the client's latest new chat of that endpoint
    spec: str = ""
    #: this turn starts a chat (no id yet), or writes the user's persistent context
    fresh: bool = False
    persistent: bool = False
    #: the fragments of this conversation alone (``fragments`` adds the user's context's)
    own_fragments: tuple[tuple[str, int, bool, bool], ...] = ()
    #: the last sentence of an earlier turn that names someone (memory's ``referent``)
    named: str = ""

    def memory_keys(self) -> list[ConversationKey]:
        return [(self.client, self.tool, i) for i in self.ids]


class Conversations:
    """The thread specs plus the memory: threads of requests, recall and remember."""

    def __init__(self, memory: ConversationMemory, specs: ThreadSpecs | None = None) -> None:
        self.memory = memory
        self.specs = specs if specs is not None else load_specs()

    @property
    def enabled(self) -> bool:
        return self.memory.enabled

    def spec_of(self, tool: str, path: str) -> ThreadSpec | None:
        return self.specs.of(tool, path) if self.memory.enabled else None

    def thread(self, client: str, tool: str, spec: ThreadSpec, path: str, body: Any) -> Thread:
        """The thread of a request to ``spec``'s endpoint (``body`` its parsed JSON or None)."""
        if spec.persistent:
            return Thread(client, tool, [USER_CONTEXT], spec=spec.name, persistent=True)
        named = (spec.path_id(path), spec.query_id(path), spec.body_id(body))
        ids = [i for i in named if i is not None]
        fresh = not ids
        if fresh and not spec.response_fields:
            # the chat's id comes in an answer we do not read (Gemini web): its next turn
            # naming a chat the memory does not know continues this one
            ids = [f"{_NEW_CHAT}{spec.name}"]
        thread = Thread(client, tool, list(dict.fromkeys(ids)), spec.response_fields)
        thread.fresh = fresh
        if not spec.response_fields:
            thread.spec = spec.name
        return thread

    def socket_thread(
        self, client: str, tool: str, socket: str, path: str = "", content: bytes = b""
    ) -> Thread | None:
        """Every message of one websocket is one conversation; a message that names its
        conversation (a spec for the socket's path, Copilot's ``conversationId``) also
        continues it across sockets."""
        if not self.memory.enabled or not socket:
            return None
        ids = [f"ws:{socket}"]
        spec = self.specs.of(tool, path) if path else None
        if spec is not None and spec.reads_body and len(content) <= _WS_ID_BYTES:
            named = spec.body_id(json_object(content))
            if named is not None:
                ids.append(named)
        return Thread(client, tool, ids)

    def recall(self, thread: Thread) -> str | None:
        """The text to scan the new turn after: the user's persistent context for this tool
        (custom instructions, memories) then the conversation's tail."""
        keys = thread.memory_keys()
        if thread.spec and not thread.fresh and not thread.persistent:
            keys.append((thread.client, thread.tool, f"{_NEW_CHAT}{thread.spec}"))
        for key in keys:
            found = self.memory.recall_all(key)
            if found is not None:
                thread.context = found.tail
                thread.fragments, thread.turns = found.fragments, found.turns
                thread.named = found.referent
                break
        thread.own_fragments = thread.fragments
        user = None
        if not thread.persistent:
            user = self.memory.recall_all((thread.client, thread.tool, USER_CONTEXT))
        if user is None:
            return _with_referent(thread.context, thread.named)
        thread.fragments = (*user.fragments, *thread.fragments)[-MAX_FRAGMENTS:]
        text = user.tail if thread.context is None else f"{user.tail}\n\n{thread.context}"
        return _with_referent(text, thread.named)

    def sent(self, thread: Thread, segments: list[Segment]) -> None:
        """The turn went upstream: remember the new tail under every id it named, and the
        turn's value fragments after the earlier ones. The tail takes the turn's prompt text
        (:func:`prompt_text`)."""
        prompt = [s for s in segments if not _option(s, self.specs.prompt_keys)]
        text = SEGMENT_SEPARATOR.join(s.text for s in prompt)
        if not text.strip():
            return
        thread.tail = continued(thread.context, text, self.memory.settings.context_chars)
        turn = thread.turns + 1
        cues, names = split_cues(), value_cues()
        new = [
            (f.text, turn, f.named, f.loose)
            for s in prompt
            for f in fragments(s.text, 0, turn, cues, names)
        ]
        own = thread.own_fragments if thread.fragments != thread.own_fragments else thread.fragments
        thread.fragments, thread.turns = (*own, *new)[-MAX_FRAGMENTS:], turn
        thread.named = referent(text, thread.named)
        for key in thread.memory_keys():
            self.memory.remember(key, thread.tail, thread.fragments, thread.turns, thread.named)

    def learn(self, thread: Thread, answer_id: str) -> None:
        """The answer named ``answer_id`` (a response id, a new chat's id): the next request
        naming it continues this conversation."""
        if thread.tail is None or conversation_id(answer_id) is None:
            return
        key = (thread.client, thread.tool, answer_id)
        self.memory.remember(key, thread.tail, thread.fragments, thread.turns, thread.named)


#: a referent sentence this close to the tail's end is already read with the new turn
_REFERENT_NEAR = 400


def _with_referent(context: str | None, named: str) -> str | None:
    """The text a new turn is scanned after: the tail, then the last sentence that named
    someone when the tail's end no longer holds it (a page of minutes came between: the
    model still knows who "she" is)."""
    if context is None or not named or named in context[-_REFERENT_NEAR:]:
        return context
    return f"{context}\n\n{named}"


def prompt_text(segments: list[Segment], prompt_keys: frozenset[str] = frozenset()) -> str:
    """The text of a turn worth remembering: the segments the adapter took as prompt text,
    and ``key: value`` leaves of the residual sweep whose value is more than one token (or
    whose key is one of ``prompt_keys``). One-token leaves (``model: auto``, ``action:
    next``, ids, options) were scanned with their request and stay out: between a name and
    the next turn they would read as sentences of their own and push the name out of the
    carry."""
    return SEGMENT_SEPARATOR.join(s.text for s in segments if not _option(s, prompt_keys))


def _option(segment: Segment, prompt_keys: frozenset[str]) -> bool:
    """A residual ``key: value`` leaf holding one token, under a key that is no prompt's."""
    key = _LAST_KEY.search(segment.where)
    if key is None or key.group(1).lower() in prompt_keys:
        return False
    label = _CAMEL.sub(" ", key.group(1)).replace("_", " ").replace("-", " ").strip().lower()
    text = segment.text
    if not label or not text.lower().startswith(label + ": "):
        return False
    return not any(c.isspace() for c in text[len(label) + 2 :].strip())


#: the last key of a segment's place (``messages[0].author.role`` → ``role``)
_LAST_KEY = re2.compile(r"([A-Za-z_][\w-]*)(?:\[\d+\])*$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def with_context(
    extraction: Extraction,
    context: str,
    prompt_parts: int | None = None,
    remembered: tuple[tuple[str, int, bool, bool], ...] = (),
) -> tuple[Extraction, int]:
    """``extraction`` with the remembered tail as a first segment, its seams moved and the
    seams across the tail's end added (into the first ``prompt_parts`` segments only: the
    request metadata after them is a document of its own), and the seams of the
    ``remembered`` fragments of earlier turns glued with this turn's (:func:`_fragment_seams`);
    and the tail's length plus separator (findings before it lie wholly in the tail)."""
    shift = len(context) + len(SEGMENT_SEPARATOR)
    parts = len(extraction.segments) if prompt_parts is None else prompt_parts
    head = [Segment(context, CONTEXT_WHERE), *extraction.segments[: min(_SEAM_HEAD, parts)]]
    across = [s for s in seams(head) if s.runs and s.runs[0][1] < len(context)]
    halves = _halves_seam(context, head[1:], shift)
    if halves is not None:
        across.append(halves)
    across += _fragment_seams(context, extraction.segments[:parts], shift, remembered)
    if isinstance(extraction.seams, DeferredSeams):  # still built where scanned
        seams_after: Sequence[Seam] = extraction.seams.moved(shift, across)
    else:
        seams_after = across + [
            dataclasses.replace(s, runs=tuple((a, b + shift, n) for a, b, n in s.runs))
            for s in extraction.seams
        ]
    scanned = dataclasses.replace(
        extraction, segments=[head[0], *extraction.segments], seams=seams_after
    )
    return scanned, shift


def _halves_seam(context: str, segments: list[Segment], shift: int) -> Seam | None:
    """The last value-like fragment near the tail's end glued to the first one near the new
    turn's start: halves given in words ("my NI number starts JG1037" | "and ends 29A",
    "key part 1: AKIA..." | "key part 2: ...") read whole, as the model reads them
    together. A fragment is a run of letters and digits holding a digit; only values that
    block alone count from a seam (:mod:`detectors.seams`)."""
    tail = max(0, len(context) - _HALF_WINDOW)
    before = [m for m in _FRAGMENT.finditer(context, tail) if len(m.group()) >= _HALF_MIN]
    if not before:
        return None
    offset = shift
    for segment in segments:
        if segment.text.strip():
            found = _FRAGMENT.finditer(segment.text, 0, _HALF_WINDOW)
            after = next((m for m in found if len(m.group()) >= _HALF_MIN), None)
            if after is None:
                return None
            left, right = before[-1], after
            runs = (
                (0, left.start(), len(left.group())),
                (len(left.group()), offset + right.start(), len(right.group())),
            )
            return Seam(left.group() + right.group(), runs)
        offset += len(segment.text) + len(SEGMENT_SEPARATOR)
    return None


def _fragment_seams(
    context: str,
    segments: list[Segment],
    shift: int,
    remembered: tuple[tuple[str, int, bool, bool], ...],
) -> list[Seam]:
    """The remembered fragments of earlier turns and this turn's, glued in runs and pairs
    both ways round (:func:`detectors.fragments.chain_seams`); every seam takes a piece of
    this turn and one of an earlier turn. An earlier piece maps to its place in the tail,
    or to the tail's start once the tail no longer holds it."""
    if not remembered:
        return []
    cues, names = split_cues(), value_cues()
    turn = max(r[1] for r in remembered) + 1
    earlier = [
        Fragment(text, max(context.rfind(text), 0), t, n, lo) for text, t, n, lo in remembered
    ]
    now: list[Fragment] = []
    offset = shift
    for segment in segments:
        if not _option(segment, frozenset()):
            now += fragments(segment.text, offset, turn, cues, names)
        offset += len(segment.text) + len(SEGMENT_SEPARATOR)
    if not now:
        return []
    return chain_seams(
        [*earlier, *now[:MAX_FRAGMENTS]],
        lambda run: any(f.part == turn for f in run) and any(f.part < turn for f in run),
    )


#: a value-like fragment: letters and digits, with a digit (``JG1037``, ``29A``, ``943``)
_FRAGMENT = re2.compile(r"\b[A-Za-z0-9]*[0-9][A-Za-z0-9]*\b")
#: how far from the tail's end and the new turn's start a half may be
_HALF_WINDOW = 80
#: a shorter fragment is a list number ("part 2"), not half a value
_HALF_MIN = 3


def without_context_findings(result: Any, shift: int) -> Any:
    """``result`` without the findings wholly inside the tail (offsets < ``shift``): that
    text was judged, with its whole request, when it was sent. Findings of the new turn, and
    those across the join, stay: a name in the tail and a condition now count through the
    condition's finding."""
    if result is None:
        return result
    kept = [f for f in result.findings if f.end > shift]
    if len(kept) == len(result.findings):
        return result
    categories = sorted({f.category for f in kept})
    return dataclasses.replace(result, findings=kept, categories=categories)


class AnswerIds:
    """Reads the ids an answer gives the conversation from the first
    :data:`ANSWER_HEAD_BYTES` of its body (JSON, or an SSE stream, chunk by chunk; gzip and
    deflate decoded); the first of ``fields`` (in order) found wins. Bounded work per answer."""

    def __init__(self, fields: tuple[str, ...], encoding: str = "") -> None:
        self.patterns = [_field_pattern(name) for name in fields]
        self.head = bytearray()
        self.done = not fields
        encoding = encoding.strip().lower()
        self._inflate = (
            zlib.decompressobj(wbits=47) if encoding in ("gzip", "x-gzip", "deflate") else None
        )
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            self.done = True  # br, zstd: not read (the request asked for identity)

    def feed(self, chunk: bytes) -> str | None:
        """The id, once found in the answer so far; None until then (and after)."""
        if self.done or not chunk:
            return None
        try:
            if self._inflate is not None:
                chunk = self._inflate.decompress(chunk, ANSWER_HEAD_BYTES - len(self.head))
        except zlib.error:
            self.done = True
            return None
        start = max(0, len(self.head) - _ID_OVERLAP)  # an id across two chunks is whole
        self.head += chunk[: ANSWER_HEAD_BYTES - len(self.head)]
        head = bytes(self.head[start:])
        for pattern in self.patterns:
            found = pattern.search(head)
            if found is not None:
                self.done = True
                return found.group(1).decode("ascii")
        if len(self.head) >= ANSWER_HEAD_BYTES:
            self.done = True
        return None


#: bytes of the answer searched again with each chunk: a field name and id cut by a chunk
_ID_OVERLAP = 256


def _field_pattern(name: str) -> Any:
    return re2.compile(rb'(?:^|[^\\])"' + name.encode() + rb'"\s*:\s*"([A-Za-z0-9_.:-]{1,128})"')
