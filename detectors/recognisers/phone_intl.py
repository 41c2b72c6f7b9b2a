"""Phone numbers outside the UK: ``+63 917 123 4567``, ``+90 (532) 123 45 67`` and national
forms such as ``0532 123 45 67`` or a Chinese mobile ``13011112222``.

RE2 finds digit shapes; libphonenumber (the ``phonenumbers`` package, which Presidio's own
phone recogniser uses) decides whether the digits are a valid number of a region and of a
type a person has (mobile, fixed line). UK numbers are left to :mod:`phone`. Regions tried
for national forms and the counted types are data: ``detectors/data/phone_regions.yaml``.
An organisation's number (after "call us", "helpline", ...) is weak, as for UK numbers.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import ClassVar

import phonenumbers
import yaml
from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, digits
from detectors.recognisers.national_id import in_longer_number
from detectors.recognisers.phone import _ORG_AFTER, _ORG_BEFORE

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "phone_regions.yaml"


class PhoneRegionsError(ValueError):
    """The phone regions data file is malformed."""


@functools.cache
def _settings(path: Path = DATA_FILE) -> tuple[tuple[str, ...], frozenset[int]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PhoneRegionsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PhoneRegionsError(f"{path}: expected a mapping")
    regions = data.get("national_regions")
    known = phonenumbers.SUPPORTED_REGIONS
    if not isinstance(regions, list) or not all(r in known for r in regions):
        bad = [r for r in regions or [] if r not in known] if isinstance(regions, list) else []
        raise PhoneRegionsError(
            f"{path}: 'national_regions' must list region codes"
            + (f" (unknown: {', '.join(map(str, bad))})" if bad else "")
        )
    types = data.get("person_types")
    names = phonenumbers.PhoneNumberType
    if not isinstance(types, list) or not all(
        isinstance(t, str) and hasattr(names, t) for t in types
    ):
        raise PhoneRegionsError(f"{path}: 'person_types' must list PhoneNumberType names")
    return tuple(regions), frozenset(getattr(names, t) for t in types)


#: national prefixes the UK recogniser owns (07 mobile, 01/02 landline, 03/08 non-geographic)
_UK_PREFIXES = frozenset({"01", "02", "03", "07", "08"})


def _parse(value: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@functools.cache
def preload_metadata() -> None:
    """Load libphonenumber's metadata and compile its patterns once, at engine load.

    ``phonenumbers`` reads a region's metadata and compiles its number patterns lazily, on the
    first number it meets of that region (a few ms each), and compiles each pattern through
    the ``re`` module's bounded cache (512 entries, which its ~250 regions' patterns overflow,
    so numbers recompile them). The pattern cache keeps every compiled pattern; done here, on one example number of
    each counted type per region, that cost is paid when the scan worker starts, not by the
    first prompts scanned. Results are unchanged: the same metadata, loaded earlier.
    """
    from phonenumbers import re_util

    re_util.enable_pattern_cache()
    _, types = _settings()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in sorted(types):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            phonenumbers.number_type(example)
            phonenumbers.region_code_for_number(example)
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            with contextlib.suppress(phonenumbers.NumberParseException):
                phonenumbers.parse(national, region)


@functools.lru_cache(maxsize=4096)
def _region_of(value: str) -> str | None:
    """The region whose person number ``value`` is (never GB: the UK recogniser's)."""
    regions, types = _settings()
    if value.lstrip().startswith("+"):
        number = _parse(value, None)
        candidates = [number] if number is not None else []
    else:
        national = digits(value)
        if national.startswith("07") and len(national) == 11:
            return None  # a UK mobile shape (also the unallocated drama range): the UK's
        uk = _parse(value, "GB")
        if uk is not None and (
            phonenumbers.number_type(uk) in types or national[:2] in _UK_PREFIXES
        ):
            return None  # a valid UK number the UK recogniser owns
        candidates = [n for n in (_parse(value, r) for r in regions) if n is not None]
    for number in candidates:
        region = phonenumbers.region_code_for_number(number)
        if region and region != "GB" and phonenumbers.number_type(number) in types:
            return region
    return None


class InternationalPhoneRecogniser(Recogniser):
    """A valid non-UK phone number of a person's type is a contact detail."""

    ENTITY = "PHONE_NUMBER"
    TIER = Tier.CONTACT
    TIERS: ClassVar[dict[str, str]] = {"PHONE_NUMBER_ORGANISATION": Tier.WEAK}
    CONTEXT_WINDOW = 40
    PATTERNS = (
        # +CC, optional (area), then groups of digits
        Pattern(
            "phone_international",
            r"\+[1-9]\d{0,2}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,5}(?:[ .\-]?\d{1,5}){1,5}\b",
            0.8,
        ),
        # national form with a trunk 0: 0532 123 45 67, 0917-123-4567
        Pattern("phone_national", r"\b0\d{2,4}[ .\-]?\d{2,4}(?:[ .\-]?\d{2,4}){1,3}\b", 0.6),
        # ... with the area code in brackets: 0 (917) 123 4567, (0532) 1234567
        Pattern(
            "phone_national_bracket",
            r"(?:\b0[ .\-]?\(|\(0)\d{2,4}\)[ .\-]?\d{2,4}(?:[ .\-]?\d{2,4}){0,3}\b",
            0.6,
        ),
        # ... with the trunk 0 apart, then 3-3-2-2: 0 532 123 45 67
        Pattern(
            "phone_national_detached",
            r"\b0[ .\-][2-9]\d{2}[ .\-]\d{3}[ .\-]\d{2}[ .\-]\d{2}\b",
            0.6,
        ),
        # mobile numbers without a trunk prefix (China: 1[3-9] + 9 digits)
        Pattern("phone_cn_mobile", r"\b1[3-9]\d(?:[ \-]?\d{4}){2}\b", 0.6),
        # 3-3-2-2 grouping without a trunk 0 (Turkish style: 532 123 45 67)
        Pattern("phone_grouped_3322", r"\b[2-9]\d{2}[ .\-]\d{3}[ .\-]\d{2}[ .\-]\d{2}\b", 0.6),
    )
    CONTEXT = (
        "phone",
        "phone number",
        "mobile",
        "mobile number",
        "cell",
        "tel",
        "telephone",
        "telefon",
        "telefono",
        "teléfono",
        "telepono",
        "cep",
        "numara",
        "numaram",
        "whatsapp",
        "call me",
        "text me",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        preload_metadata()

    def validate_result(self, pattern_text: str) -> bool:
        d = digits(pattern_text)
        if not 8 <= len(d) <= 15 or len(set(d)) <= 2:
            return False
        if pattern_text.lstrip().startswith(("+", "(", "0")) or len(d) == 11:
            return _region_of(pattern_text) is not None
        # 3-3-2-2 national digits without the trunk 0: restore it
        return _region_of("0" + d) is not None

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        if in_longer_number(text, start, end):
            return None
        line_start = text.rfind("\n", 0, start) + 1
        if _ORG_BEFORE.search(text[max(line_start, start - 80) : start]) or _ORG_AFTER.match(
            text[end : end + 60]
        ):
            return start, end, "PHONE_NUMBER_ORGANISATION"
        return start, end, self.ENTITY
