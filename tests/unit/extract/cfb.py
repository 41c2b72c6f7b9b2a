"""A minimal Compound File Binary (OLE2, MS-CFB v3) writer for tests: .doc / .xls / .msg shapes.

Streams under 4096 bytes go to the mini stream (64-byte mini sectors), others to 512-byte
sectors. ``layout``: "seq" (each chain contiguous), "interleave" (the big streams' sectors
round-robin), "reverse" (each big stream's sectors stored in reverse order; the FAT chain gives
the real order). Written by the red-team lane (its cfb.py); olefile reads what it writes."""

import struct

END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


class Node:
    def __init__(self, name, data=None, children=None):
        self.name, self.data, self.children = name, data, children or []
        self.is_storage = data is None


def _key(n):
    return (len(n.name), n.name.upper())


def build(children, layout="seq", first=()):
    root = Node("Root Entry", None, children)
    entries = [root]

    def walk(node):
        kids = sorted(node.children, key=_key)
        node._kid_idx = []
        for k in kids:
            entries.append(k)
            node._kid_idx.append(len(entries) - 1)
        for k in kids:
            if k.is_storage:
                walk(k)

    walk(root)
    # mini stream
    mini = bytearray()
    minifat = []
    for e in entries[1:]:
        if not e.is_storage and 0 < len(e.data) < 4096:
            n = (len(e.data) + 63) // 64
            start = len(mini) // 64
            for i in range(n):
                minifat.append(start + i + 1 if i < n - 1 else END)
            e._start = start
            mini += e.data + b"\0" * (n * 64 - len(e.data))
        elif not e.is_storage and len(e.data) == 0:
            e._start = END

    def blocks(b):
        return [bytes(b[i : i + 512]).ljust(512, b"\0") for i in range(0, len(b), 512)]

    big = [e for e in entries[1:] if not e.is_storage and len(e.data) >= 4096]
    big.sort(key=lambda e: (0, first.index(e.name)) if e.name in first else (1, 0))
    chains = [(e, blocks(e.data)) for e in big]
    other = []
    if mini:
        other.append(("mini", blocks(mini)))
    if minifat:
        mf = b"".join(struct.pack("<I", x) for x in minifat)
        mf += struct.pack("<I", FREE) * ((-len(minifat)) % 128)
        other.append(("minifat", blocks(mf)))
    ndir = (len(entries) + 3) // 4
    other.append(("dir", [b"\0" * 512] * ndir))  # filled later
    # physical order
    order = []  # list of (owner, index)
    if layout == "interleave":
        i = 0
        while any(i < len(b) for _, b in chains):
            for e, b in chains:
                if i < len(b):
                    order.append((e, i))
            i += 1
    else:
        for e, b in chains:
            rng = range(len(b) - 1, -1, -1) if layout == "reverse" else range(len(b))
            order += [(e, i) for i in rng]
    for name, b in other:
        order += [(name, i) for i in range(len(b))]
    if (
        layout == "random"
    ):  # a fragmented file: every sector somewhere (seeded), the FAT chains give the order
        import random

        random.Random(1234).shuffle(order)
    n = len(order)
    nfat = 1
    while (n + nfat) > nfat * 128:
        nfat += 1
    pos = {}
    for p, key in enumerate(order):
        pos[(id(key[0]) if not isinstance(key[0], str) else key[0], key[1])] = p
    fat = [FREE] * (nfat * 128)
    allchains = [(e, b) for e, b in chains] + other
    first = {}
    for owner, b in allchains:
        k = id(owner) if not isinstance(owner, str) else owner
        for i in range(len(b)):
            fat[pos[(k, i)]] = pos[(k, i + 1)] if i + 1 < len(b) else END
        first[k] = pos[(k, 0)]
    fat_pos = list(range(n, n + nfat))
    for p in fat_pos:
        fat[p] = FATSECT
    for e, _ in chains:
        e._start = first[id(e)]

    # directory
    def dirent(e, idx):
        name = e.name.encode("utf-16-le") + b"\0\0"
        typ = 5 if idx == 0 else (1 if e.is_storage else 2)
        child = e._kid_idx[0] if e.is_storage and e._kid_idx else NOSTREAM
        right = getattr(e, "_right", NOSTREAM)
        if idx == 0:
            start, size = (first["mini"], len(mini)) if mini else (END, 0)
        elif e.is_storage:
            start, size = 0, 0
        else:
            start, size = e._start, len(e.data)
        return (
            name.ljust(64, b"\0")
            + struct.pack("<HBB", len(name), typ, 1)
            + struct.pack("<III", NOSTREAM, right, child)
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<I", start)
            + struct.pack("<Q", size)
        )

    for e in entries:
        if e.is_storage:
            for a, b in zip(e._kid_idx, e._kid_idx[1:], strict=False):
                entries[a]._right = b
    d = b"".join(dirent(e, i) for i, e in enumerate(entries))
    empty = (
        b"\0" * 64
        + struct.pack("<HBB", 0, 0, 0)
        + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
        + b"\0" * 52
    )
    d += empty * (ndir * 4 - len(entries))
    dirblocks = blocks(d)
    sectors = [None] * (n + nfat)
    content = {id(e) if not isinstance(e, str) else e: b for e, b in allchains}
    content["dir"] = dirblocks
    for p, (owner, i) in enumerate(order):
        k = id(owner) if not isinstance(owner, str) else owner
        sectors[p] = content[k][i]
    fatbytes = b"".join(struct.pack("<I", x) for x in fat)
    for j, p in enumerate(fat_pos):
        sectors[p] = fatbytes[j * 512 : (j + 1) * 512]
    difat = fat_pos + [FREE] * (109 - nfat)
    hdr = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack(
            "<IIIIIIIII",
            0,
            nfat,
            first["dir"],
            0,
            4096,
            first.get("minifat", END),
            len(other[1][1]) if minifat else 0,
            END,
            0,
        )
        + b"".join(struct.pack("<I", x) for x in difat)
    )
    assert len(hdr) == 512, len(hdr)
    return hdr + b"".join(sectors)
