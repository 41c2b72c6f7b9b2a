"""E-mail messages (``.eml``, ``message/rfc822``; what a mail client saves and an AI tool is
asked to summarise): the message as text (headers unfolded, as the text kind reads it), its
headers decoded (RFC 2047 words), and every MIME leaf — body parts and attachments, a
forwarded message's parts included — decoded from its Content-Transfer-Encoding and read as a
file of its own (a docx, a PDF, UTF-16 text...) by its bytes, as an AI tool opening the
message does. Parsed with the standard library's ``email`` package."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.text import Text
from proxy.extract.mailcodes import unflowed

#: a header block at the start: RFC 5322 field lines, one of them MIME
_HEADERS = re.compile(rb"\A(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*){1,200}", re.S)
_MIME = re.compile(rb"(?im)^(?:mime-version:|content-type:\s*multipart/)")


@register
class Email(FileKind):
    name = "email"
    priority = 39  # before the compressed and text kinds: an e-mail reads as text too
    text_like = True

    def matches(self, probe: Probe) -> bool:
        if not probe.is_text and probe.ext not in ("eml", "mht", "mhtml"):
            return False
        head = _HEADERS.match(probe.data[:65536])
        return head is not None and _MIME.search(head.group()) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        Text().read(col, probe, where, depth)  # the message as sent, unfolded
        message = message_from_bytes(probe.data, policy=policy.default)
        headers = [f"{name}: {value}" for name, value in message.items()]
        col.text("\n".join(headers), f"{where}<headers>")
        for index, part in enumerate(message.walk()):
            if index > col.settings.max_archive_members:
                raise ExtractionError("too_large", "e-mail has more than max_archive_members parts")
            if _encrypted(part):  # PGP/MIME or S/MIME enveloped: ciphertext (RT-138)
                col.unreadable("encrypted e-mail (PGP/MIME or S/MIME)")
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)  # lenient, as mail clients are
            if not payload:
                continue
            charset = part.get_content_charset()
            ctype = part.get_content_type() + (f"; charset={charset}" if charset else "")
            col.file(payload, f"{where}!part{index}", ctype, part.get_filename() or "", depth + 1)
            if str(part.get_param("format", "")).lower() == "flowed":  # RFC 3676 (RT-148)
                delsp = str(part.get_param("delsp", "")).lower() == "yes"
                text = payload.decode(charset or "utf-8", errors="replace")
                col.text(unflowed(text, delsp), f"{where}!part{index}<flowed>")


def _encrypted(part: object) -> bool:
    """A MIME part that is ciphertext: ``multipart/encrypted`` (PGP/MIME, RFC 3156) or
    S/MIME ``application/pkcs7-mime`` with ``smime-type=enveloped-data`` (or
    ``authEnveloped-data``, or no smime-type: RFC 8551 treats it as enveloped)."""
    ctype = part.get_content_type()  # type: ignore[attr-defined]
    if ctype in ("multipart/encrypted", "application/pgp-encrypted"):
        return True
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        smime = str(part.get_param("smime-type", "")).lower()  # type: ignore[attr-defined]
        return smime in ("", "enveloped-data", "authenveloped-data")
    return False
