"""Value types shared by every detector and by the proxy (picklable, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Category = Literal[
    "PERSONAL_DATA", "SPECIAL_CATEGORY", "OFFICIAL_SENSITIVE", "NON_PUBLIC_CODE", "CREDENTIALS"
]

#: The contract categories of ../shared/DESIGN.md, in display order.
CATEGORIES: Final[tuple[str, ...]] = (
    "PERSONAL_DATA",
    "SPECIAL_CATEGORY",
    "OFFICIAL_SENSITIVE",
    "NON_PUBLIC_CODE",
    "CREDENTIALS",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected entity. Offsets index the *original* (un-normalised) text.

    ``meta`` carries non-sensitive extra facts only (for example matched fingerprint
    counts or repository names); never the matched value.
    """

    category: str
    entity_type: str
    start: int
    end: int
    score: float
    detector: str
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ScanResult:
    """Document-level outcome of one scan.

    ``findings`` are the findings that count after the combination rules (a bare
    public-figure name, for example, is not among them). ``categories`` is the
    sorted set of their categories: what the policy decides on.
    """

    findings: list[Finding] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    chars: int = 0
    elapsed_ms: float = 0.0
    #: (family, keyed hash) per strong identifier, filled in by the proxy's scan workers
    #: when a subject key is configured (proxy/register/subjects.py); never a raw value.
    subject_hmacs: tuple[tuple[str, str], ...] = ()
