"""Subject hashes: a keyed HMAC of each strong identifier's normalised value.

Used twice, the same way: at scan time in the worker processes (``proxy/worker_pool.py``), where
the value exists for a moment and only the hash leaves the process; and by
``aidlp report subject --nino ...``, which normalises what the claimant gives and hashes it
with the current and previous keys. Threat model and key handling: ``README.md`` here.

Normalisation (one family per identifier; equal identities give equal strings):

- nino: letters and digits, upper case, the 8 characters before the optional suffix letter
  (``JG 10 37 29 A``, ``jg103729a`` and ``JG-10-37-29`` are one NINO);
- nhs, card: the digits; bank_account: the 8-digit account number (a sort code is dropped);
- passport, driving_licence, iban: letters and digits, upper case (licence: first 16);
- email: trimmed, lower case; phone: E.164-style digits (``07700 900123``,
  ``+44 (0)7700 900123`` and ``0044 7700 900123`` are ``447700900123``).

Every value first goes through the detectors' Unicode fold (NFKC, confusables, invisible
characters), so an obfuscated identifier hashes like the plain one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from detectors.normalise import unicode_fold

MIN_KEY_BYTES = 16
MAX_HASHES_PER_SCAN = 100
_DOMAIN = "aidlp-subject:v1"


class SubjectKeyError(ValueError):
    """The subject key cannot be used: the message is ready to show the user."""


def _alnum_upper(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)


def _nino(value: str) -> str | None:
    v = _alnum_upper(value)
    return v[:8] if re.fullmatch(r"[A-Z]{2}[0-9]{6}[A-D]?", v) else None


def _nhs(value: str) -> str | None:
    v = _digits(value)
    return v if len(v) == 10 else None


def _passport(value: str) -> str | None:
    v = _alnum_upper(value)
    return v if 6 <= len(v) <= 12 else None


def _driving_licence(value: str) -> str | None:
    v = _alnum_upper(value)
    return v[:16] if len(v) >= 16 else None


def _bank_account(value: str) -> str | None:
    accounts = [run for run in re.findall(r"[0-9]+", value) if len(run) == 8]
    if accounts:
        return accounts[-1]
    v = _digits(value)
    return v if len(v) == 8 else None


def _iban(value: str) -> str | None:
    v = _alnum_upper(value)
    return v if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", v) else None


def _card(value: str) -> str | None:
    v = _digits(value)
    return v if 12 <= len(v) <= 19 else None


def _email(value: str) -> str | None:
    v = value.strip().strip("<>").lower()
    return v if re.fullmatch(r"[^@\s]+@[^@\s]+", v) else None


def _phone(value: str) -> str | None:
    v = value.strip()
    digits = _digits(v)
    if v.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "44" + digits[1:]
    if digits.startswith("440") and len(digits) == 13:  # +44 (0)7700 ...
        digits = "44" + digits[3:]
    return digits if 8 <= len(digits) <= 15 else None


#: Family → normaliser. ``aidlp report subject --<family>`` takes the same names.
NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "nino": _nino,
    "nhs": _nhs,
    "passport": _passport,
    "driving_licence": _driving_licence,
    "bank_account": _bank_account,
    "iban": _iban,
    "card": _card,
    "email": _email,
    "phone": _phone,
}

#: Detector entity types that are strong identifiers → their family.
ENTITY_FAMILIES: dict[str, str] = {
    "UK_NINO": "nino",
    "UK_NHS": "nhs",
    "UK_PASSPORT": "passport",
    "UK_DRIVING_LICENCE": "driving_licence",
    "UK_BANK_DETAILS": "bank_account",
    "UK_BANK_ACCOUNT": "bank_account",
    "IBAN_CODE": "iban",
    "CREDIT_CARD": "card",
    "EMAIL_ADDRESS": "email",
    "UK_PHONE": "phone",
}


def normalise(family: str, value: str) -> str | None:
    """The canonical form of ``value`` as a ``family`` identifier, or None if it is not one."""
    folded, _ = unicode_fold(value)
    return NORMALISERS[family](folded)


def load_key(path: str | Path, setting: str = "register.subjects.key_file") -> bytes:
    try:
        raw = Path(path).read_bytes().strip()
    except OSError as exc:
        raise SubjectKeyError(f"{setting} {path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) < MIN_KEY_BYTES:
        raise SubjectKeyError(f"{setting} {path}: the key must be at least {MIN_KEY_BYTES} bytes")
    return raw


def subject_hmac(key: bytes, family: str, normalised: str) -> str:
    message = f"{_DOMAIN}:{family}:{normalised}".encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class SubjectHasher:
    """Holds one key; turns findings of strong identifiers into (family, hmac) pairs."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "SubjectHasher(<key>)"

    def for_findings(self, text: str, findings: Iterable[object]) -> tuple[tuple[str, str], ...]:
        """One (family, hmac) per distinct strong identifier found in ``text``.

        Findings from decoded blobs (base64, URL, hex) are skipped: their offsets cover the
        encoded form, not the value.
        """
        out: dict[tuple[str, str], None] = {}
        for finding in findings:
            family = ENTITY_FAMILIES.get(getattr(finding, "entity_type", ""))
            if family is None or any(k == "decoded" for k, _ in getattr(finding, "meta", ())):
                continue
            canonical = normalise(family, text[finding.start : finding.end])  # type: ignore[attr-defined]
            if canonical is not None:
                out[(family, subject_hmac(self._key, family, canonical))] = None
            if len(out) >= MAX_HASHES_PER_SCAN:
                break
        return tuple(out)


def lookup_hmacs(keys: Sequence[bytes], family: str, value: str) -> list[str]:
    """The hashes ``value`` would have had under each key (current and previous)."""
    canonical = normalise(family, value)
    if canonical is None:
        raise ValueError(f"not a valid {family.replace('_', ' ')}")
    return [subject_hmac(key, family, canonical) for key in keys]


def subject_fields(result: object) -> dict[str, list[dict[str, str]]]:
    """The optional ``subject_hmacs`` event field for a scan result (empty: no field)."""
    pairs = getattr(result, "subject_hmacs", ())
    return {"subject_hmacs": [{"kind": k, "hmac": h} for k, h in pairs]} if pairs else {}
