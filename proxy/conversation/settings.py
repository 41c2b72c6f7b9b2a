"""``conversations:`` settings: the per-conversation memory (:mod:`proxy.conversation`),
validated at load."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConversationSettings(BaseModel):
    """``conversations:``: the per-conversation memory (see :mod:`proxy.conversation.memory`).

    Defaults, and why:

    - ``context_chars: 1200``: the cross-message rules look back 3 sentences from a pronoun
      and a record's fields 600 characters from its name; a seam needs the last 40. Four
      long sentences of casework prose fit in 1,200 characters.
    - ``ttl_seconds: 1800``: a follow-up turn comes within minutes (reading the answer,
      typing the next turn); half an hour covers a pause without keeping prompt text for
      the whole working day (data minimisation, PS12/PS13).
    - ``max_conversations: 20000``: about one per active chat of a large department's users
      behind one replica; at most about 20,000 x 1,200 characters (24 MB of ASCII text, four
      times that for text outside Latin-1) plus the keys.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True,
        description="Remember the tail of conversations that tools keep server-side (ChatGPT "
        "web, Claude web, Responses API, Assistants threads, websockets) and scan each new "
        "turn with it; off: every request is scanned alone.",
    )
    ttl_seconds: float = Field(
        default=1800.0,
        ge=10.0,
        le=86_400.0,
        description="How long a conversation's tail is kept after its last turn.",
    )
    max_conversations: int = Field(
        default=20_000,
        ge=1,
        le=1_000_000,
        description="Most conversations remembered; the least recently used go first.",
    )
    context_chars: int = Field(
        default=1200,
        ge=80,
        le=20_000,
        description="Most characters of a conversation's earlier text kept for the next turn.",
    )
