"""Objects embedded in documents (red team RT-134), read with ``oletools`` (maintained, BSD:
the readers analysts use on such objects): an RTF's ``\\objdata`` (an OLE1 object: an
embedded Word or Excel document's compound file, or a packaged file), its ``\\bin`` raw
groups and ``{\\*\\datastore}`` hex, parsed by ``rtfobj``'s RTF tokeniser (which copies
Word's quirks: whitespace and stray characters in the hex, an odd digit dropped before
``\\'hh``); and the OLE ``\\x01Ole10Native`` stream of a packaged file (a docx's
``oleObject1.bin``, a .doc's ObjectPool), whose payload ``oleobj`` unwraps. Each payload
is read as a file of its own. Helpers of the RTF and OLE kinds; no kind of their own."""

from __future__ import annotations

import binascii
import re
import warnings
from typing import Any

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError

#: an RTF that may carry binary payloads: only these pay for the object parse
_RTF_PAYLOAD = re.compile(rb"\\(?:objdata|datastore|bin-?\d)")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")


def _oletools() -> tuple[Any, Any]:
    with warnings.catch_warnings():  # pyparsing's deprecation notices (olevba's grammar)
        warnings.simplefilter("ignore")
        from oletools import oleobj, rtfobj
    return oleobj, rtfobj


def rtf_payloads(col: Collector, data: bytes, where: str, depth: int) -> None:
    """Every ``\\objdata`` object, ``\\datastore`` group and ``\\bin`` payload of an RTF,
    read as files (an OLE1 object's native data, a packaged file's own bytes)."""
    if not _RTF_PAYLOAD.search(data):
        return
    _oleobj, rtfobj = _oletools()
    payloads: list[tuple[bytes, str]] = []

    class Parser(rtfobj.RtfObjParser):
        """rtfobj's object parser, also keeping datastore hex and \\bin data elsewhere."""

        def close_destination(self, destination: Any) -> None:
            super().close_destination(destination)
            if destination.cword == b"datastore":
                digits = _NOT_HEX.sub(b"", destination.data)
                payloads.append((binascii.unhexlify(digits[: len(digits) // 2 * 2]), ""))

        def bin(self, bindata: bytes) -> None:
            if self.current_destination.cword in (b"objdata", b"datastore"):
                self.current_destination.data += binascii.hexlify(bindata)
            else:
                payloads.append((bytes(bindata), ""))

    col.budget.check_time()
    parser = Parser(data)
    try:
        parser.parse()
    except Exception:  # rtfobj's tokeniser on a malformed group structure
        col.damaged("RTF object data does not parse")
    for obj in parser.objects:
        if obj.is_package and obj.olepkgdata:
            payloads.append((obj.olepkgdata, _name(obj.filename)))
        elif obj.is_ole and obj.oledata:
            payloads.append((obj.oledata, ""))
        elif obj.rawdata:
            payloads.append((obj.rawdata, ""))
    if len(payloads) > col.settings.max_archive_members:
        raise ExtractionError("too_large", "RTF has more than max_archive_members objects")
    for index, (payload, filename) in enumerate(payloads):
        col.file(payload, f"{where}!object{index}", "", filename, depth + 1)


def ole_native(col: Collector, data: bytes, where: str, depth: int) -> bool:
    """A packaged file (an OLE ``\\x01Ole10Native`` stream) read as its payload, named as
    packaged. False if the stream does not hold one (the caller reads it as bytes)."""
    oleobj, _rtfobj = _oletools()
    try:
        package = oleobj.OleNativeStream(bindata=data)
    except Exception:  # oleobj raises struct and index errors on a short stream
        return False
    if package.is_link or not package.data:
        return False
    col.file(bytes(package.data), f"{where}<package>", "", _name(package.filename), depth)
    return True


def _name(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("cp1252", errors="replace")
    return value if isinstance(value, str) else ""
