"""A minimal VBA project (MS-OVBA) for tests: the ``dir`` stream, one standard module whose
source is stored with the MS-OVBA compression (a greedy compressor: copy tokens for repeats,
so a value that repeats earlier text is not in the bytes whole), PROJECT and _VBA_PROJECT
streams, in a compound file (cfb.py). Written by the red-team lane (its vba.py); oletools'
olevba reads back what it writes."""

import struct

from tests.unit.extract.cfb import Node, build


def compress(data: bytes) -> bytes:
    out = bytearray(b"\x01")
    for cstart in range(0, max(len(data), 1), 4096):
        chunk = data[cstart : cstart + 4096]
        body = bytearray()
        i = 0
        while i < len(chunk):
            flag = 0
            tokens = bytearray()
            for bit in range(8):
                if i >= len(chunk):
                    break
                bitcount = max((i - 1).bit_length(), 4) if i > 0 else 4
                maxlen = (0xFFFF >> bitcount) + 3
                best_l = best_o = 0
                if i > 0:
                    lo = max(0, i - (1 << bitcount))
                    for length in range(min(maxlen, len(chunk) - i), 2, -1):
                        j = chunk.rfind(chunk[i : i + length], lo, i + length - 1)
                        if 0 <= j < i:
                            best_l, best_o = length, i - j
                            break
                if best_l >= 3:
                    flag |= 1 << bit
                    token = ((best_o - 1) << (16 - bitcount)) | (best_l - 3)
                    tokens += struct.pack("<H", token)
                    i += best_l
                else:
                    tokens.append(chunk[i])
                    i += 1
            body.append(flag)
            body += tokens
        out += struct.pack("<H", 0xB000 | ((len(body) - 1) & 0x0FFF)) + body
    return bytes(out)


def _rec(rid: int, data: bytes = b"") -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def vba_project(
    source: str, module: str = "Module1", storage: str = "", stream: bytes | None = None
) -> bytes:
    """vbaProject.bin bytes (or, with ``storage``, the project under that storage, as a
    .doc keeps it under ``Macros``) whose one module holds ``source`` (or, with ``stream``,
    whose module stream is those bytes as they are)."""
    m, mu = module.encode(), module.encode("utf-16-le")
    d = (
        _rec(0x0001, struct.pack("<I", 1)) + _rec(0x0002, struct.pack("<I", 0x409))
        + _rec(0x0014, struct.pack("<I", 0x409)) + _rec(0x0003, struct.pack("<H", 1252))
        + _rec(0x0004, b"VBAProject") + _rec(0x0005) + _rec(0x0040) + _rec(0x0006) + _rec(0x003D)
        + _rec(0x0007, struct.pack("<I", 0)) + _rec(0x0008, struct.pack("<I", 0))
        + struct.pack("<HI", 0x0009, 4) + struct.pack("<IH", 1, 0) + _rec(0x000C) + _rec(0x003C)
        + _rec(0x000F, struct.pack("<H", 1)) + _rec(0x0013, struct.pack("<H", 0xFFFF))
        + _rec(0x0019, m) + _rec(0x0047, mu) + _rec(0x001A, m) + _rec(0x0032, mu)
        + _rec(0x001C) + _rec(0x0048) + _rec(0x0031, struct.pack("<I", 0))
        + _rec(0x001E, struct.pack("<I", 0)) + _rec(0x002C, struct.pack("<H", 0xFFFF))
        + _rec(0x0021) + _rec(0x002B) + _rec(0x0010)
    )  # fmt: skip
    src = (f'Attribute VB_Name = "{module}"\r\n' + source.replace("\n", "\r\n")).encode("cp1252")
    project = (
        'ID="{00000000-0000-0000-0000-000000000000}"\r\n'
        f'Module={module}\r\nName="VBAProject"\r\nHelpContextID="0"\r\n'
        'VersionCompatible32="393222000"\r\nCMG="0000"\r\nDPB="0000"\r\nGC="0000"\r\n\r\n'
    ).encode()
    nodes = [
        Node("PROJECT", project),
        Node("PROJECTwm", m + b"\0" + mu + b"\0\0" + b"\0\0"),
        Node(
            "VBA",
            None,
            [
                Node("dir", compress(d)),
                Node(module, compress(src) if stream is None else stream),
                Node("_VBA_PROJECT", struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000)),
            ],
        ),
    ]
    if storage:
        nodes = [Node("WordDocument", b"\0" * 64), Node(storage, None, nodes)]
    return build(nodes)
