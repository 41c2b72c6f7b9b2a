"""Email addresses (TLD checked against tldextract's bundled snapshot: no network)."""

from __future__ import annotations

import functools
import re

import tldextract
from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier


#: Role mailboxes are an organisation's, not a person's.
def _split(blob: str) -> list[str]:
    return blob.split()


_ROLE_LOCAL = frozenset(
    _split(
        """
    info support help helpdesk enquiries enquiry contact admin administrator noreply
    no-reply donotreply do-not-reply webmaster postmaster hostmaster hello sales team office
    mail press media feedback complaints service customerservice customer.service privacy
    dpo data.protection foi security abuse jobs careers recruitment billing accounts finance
    hr reception bookings newsletter marketing
        """
    )
)
#: Local parts that are placeholders in documentation and code samples.
_PLACEHOLDER_LOCAL = frozenset(
    _split(
        """
    user username name email someone somebody example test testing foo bar baz me you
    your.name yourname your.email youremail firstname.lastname first.last name.surname
    firstname lastname user1 user2 test1 alice bob jane.doe john.doe janedoe johndoe
        """
    )
)
_PLACEHOLDER_DOMAINS = frozenset({"domain.com", "email.com", "yourdomain.com", "company.com"})


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() and cache_dir=None: the bundled public-suffix snapshot only.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=4096)
def _has_public_suffix(domain: str) -> bool:
    return bool(_extractor()(domain).suffix)


_SPELLED_AT = re.compile(r"(?i)\s*[\[(<{]\s*at\s*[\])>}]\s*")
_SPELLED_DOT = re.compile(r"(?i)\s*(?:[\[(<{]\s*dot\s*[\])>}]|\.)\s*")


def _plain(value: str) -> str:
    """``a [at] b [dot] com`` → ``a@b.com`` (a plain address is unchanged)."""
    if "@" in value:
        return value
    parts = _SPELLED_AT.split(value, maxsplit=1)
    if len(parts) != 2:
        return value + "@"
    return parts[0] + "@" + _SPELLED_DOT.sub(".", parts[1])


class EmailRecogniser(Recogniser):
    """A personal email address is a contact detail. Role mailboxes (``info@``,
    ``enquiries@``) and documentation placeholders (``user@example.com``) are not."""

    ENTITY = "EMAIL_ADDRESS"
    TIER = Tier.CONTACT
    PATTERNS = (
        Pattern(
            "email",
            r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\.){1,8}(?:xn--[A-Za-z0-9\-]{1,59}|[A-Za-z]{2,24})\b",
            0.9,
        ),
        # "jane.smith [at] gmail [dot] com": an address written to dodge scrapers
        Pattern(
            "email_spelled",
            r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}\s*[\[(<{]\s*(?i:at)\s*[\])>}]\s*"
            r"(?:[A-Za-z0-9\-]{1,63}\s*(?:[\[(<{]\s*(?i:dot)\s*[\])>}]|\.)\s*){1,8}[A-Za-z]{2,24}\b",
            0.8,
        ),
    )
    CONTEXT = ("email", "e-mail", "mail", "contact")

    def load(self) -> None:
        _has_public_suffix("example.co.uk")  # load the bundled suffix list now, not mid-scan

    def validate_result(self, pattern_text: str) -> bool:
        return _has_public_suffix(_plain(pattern_text).rsplit("@", 1)[1].lower())

    def invalidate_result(self, pattern_text: str) -> bool:
        local, domain = _plain(pattern_text).lower().rsplit("@", 1)
        if domain in _PLACEHOLDER_DOMAINS:
            return True
        return local in _PLACEHOLDER_LOCAL or local in _ROLE_LOCAL

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        # user-info of a URL ("https://token@github.com"): not a mailbox
        if text[max(0, start - 3) : start].endswith(("//", ":")):
            return None
        return start, end, self.ENTITY
