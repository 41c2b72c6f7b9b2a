"""What staff are told when aidlp blocks: the policy's words, routes and contacts, as data.

Role in the flow: the policy (``proxy/policy.py``) decides *whether* to block and cites clause
ids; this module says *what those mean to a person*: the AI Security Policy statement behind
each clause, which governance board or team approves each category and with what evidence
(DPIA, Equality Analysis), and where to report an incident or ask for a tool to be unblocked.
All of it is the ``policy.guidance:`` config section (defaults in ``config/aidlp.yaml``), so a
department overrides a contact, a link or a wording without code. Validated at load: every
clause cited exists, every route names a configured contact, every category is covered.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from detectors.types import CATEGORIES
from proxy.defaults import DEFAULT_CONFIG

_EMAIL = r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"
_URL = r"^(https?://|mailto:)\S+$"


class Contact(BaseModel):
    """A board, team or route people are sent to."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=160)
    email: str | None = Field(default=None, pattern=_EMAIL)
    url: str | None = Field(default=None, pattern=_URL)

    def text(self) -> str:
        where = self.email or self.url
        return f"{self.name} ({where})" if where else self.name


class Route(BaseModel):
    """How a category of data may still be sent, or what to do about it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="What staff call it, e.g. 'personal data'.")
    clauses: list[str] = Field(min_length=1, description="Statement ids cited for a block.")
    contact: str = Field(description="Key of policy.guidance.contacts that approves or handles it.")
    evidence: list[str] = Field(
        default_factory=list, description="What an approval must be backed by (DPIA, ...)."
    )
    incident: bool = Field(
        default=False,
        description="A security incident to report (credentials), not something to approve.",
    )
    advice: str = Field(default="", description="One extra sentence of advice, or empty.")


class BlockedToolRoute(BaseModel):
    """What a blocked tool's page cites, and whether it may be asked to be unblocked (PS5)."""

    model_config = ConfigDict(extra="forbid")

    clauses: list[str] = Field(min_length=1)
    unblock: bool = Field(default=False, description="Show the unblock-request route (PS5).")


class Guidance(BaseModel):
    """The ``policy.guidance:`` config section."""

    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(default="the department", min_length=1, max_length=120)
    incident_report_url: str | None = Field(
        default=None, pattern=_URL, description="Security Incident Referral form (Compliance b)."
    )
    unblock_request_url: str | None = Field(
        default=None, pattern=_URL, description="Where to ask for a blocked tool (PS5)."
    )
    contacts: dict[str, Contact] = Field(default_factory=dict)
    statements: dict[str, str] = Field(
        default_factory=dict, description="Statement id → the policy's words, for staff."
    )
    categories: dict[str, Route] = Field(default_factory=dict)
    blocked_tools: dict[str, BlockedToolRoute] = Field(
        default_factory=dict, description="Tool id → route; 'default' for any other."
    )
    failure_clauses: list[str] = Field(default_factory=lambda: ["PS2"])

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        missing = [c for c in CATEGORIES if c not in self.categories]
        if self.categories and missing:
            raise ValueError(f"categories: no route for {', '.join(missing)}")
        unknown = sorted(set(self.categories) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"categories: unknown {', '.join(unknown)}")
        cited = [
            *(c for route in self.categories.values() for c in route.clauses),
            *(c for route in self.blocked_tools.values() for c in route.clauses),
            *self.failure_clauses,
        ]
        if self.statements:
            absent = sorted({c for c in cited if c not in self.statements})
            if absent:
                raise ValueError(f"clauses cited but not in statements: {', '.join(absent)}")
        for key, route in self.categories.items():
            if self.contacts and route.contact not in self.contacts:
                raise ValueError(
                    f"categories.{key}.contact: {route.contact!r} is not a key of contacts "
                    f"({', '.join(sorted(self.contacts))})"
                )
        if self.blocked_tools and "default" not in self.blocked_tools:
            raise ValueError("blocked_tools: needs a 'default' route")
        return self

    # ---- wording ------------------------------------------------------------------------------

    def contact(self, key: str) -> Contact:
        return self.contacts.get(key) or Contact(name=key)

    def route(self, category: str) -> Route:
        return self.categories.get(category) or Route(
            name=category.lower().replace("_", " "), clauses=["PS2"], contact="governance"
        )

    def name(self, category: str) -> str:
        return self.route(category).name

    def names(self, categories: list[str]) -> str:
        """``personal data and information marked OFFICIAL-SENSITIVE`` (never the codes)."""
        names = [self.name(c) for c in categories]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def clauses_for(self, categories: list[str]) -> list[str]:
        out: list[str] = []
        for category in categories:
            for clause in self.route(category).clauses:
                if clause not in out:
                    out.append(clause)
        return out

    def tool_clauses(self, tool_id: str) -> list[str]:
        return list(self._tool_route(tool_id).clauses)

    def tool_unblockable(self, tool_id: str) -> bool:
        return self._tool_route(tool_id).unblock

    def _tool_route(self, tool_id: str) -> BlockedToolRoute:
        return (
            self.blocked_tools.get(tool_id)
            or self.blocked_tools.get("default")
            or BlockedToolRoute(clauses=["PS6"])
        )

    def statement(self, clause: str) -> str:
        return self.statements.get(clause, clause)

    def approval_steps(self, categories: list[str], missing: list[str] | None = None) -> list[str]:
        """Who to ask, and with what evidence, for each approvable category blocked.

        ``missing``: the categories an otherwise valid approval token does not cover; then
        only those are named.
        """
        wanted = missing if missing else categories
        steps: list[str] = []
        by_contact: dict[str, list[str]] = {}
        for category in wanted:
            route = self.route(category)
            if route.incident:
                continue
            by_contact.setdefault(route.contact, []).append(category)
        for key, cats in by_contact.items():
            evidence: list[str] = []
            for category in cats:
                for item in self.route(category).evidence:
                    if item not in evidence:
                        evidence.append(item)
            backed = f", backed by {' and '.join(evidence)}" if evidence else ""
            steps.append(
                f"If you have a business need to send {self.names(cats)}, ask "
                f"{self.contact(key).text()} for an approval{backed}."
            )
        return steps

    def incident_steps(self, categories: list[str]) -> list[str]:
        """For categories that are incidents (credentials): report, and rotate."""
        steps = []
        for category in categories:
            route = self.route(category)
            if not route.incident:
                continue
            where = self.contact(route.contact).text()
            link = f" ({self.incident_report_url})" if self.incident_report_url else ""
            steps.append(
                f"Report this as a security incident as soon as possible through {where}{link}."
            )
            if route.advice:
                steps.append(route.advice)
        return steps


@cache
def _embedded() -> Guidance:
    raw = yaml.safe_load(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    return Guidance.model_validate(raw["policy"]["guidance"])


def default_guidance() -> Guidance:
    """The embedded default (``config/aidlp.yaml``), for settings built without a config file."""
    return _embedded().model_copy(deep=True)
