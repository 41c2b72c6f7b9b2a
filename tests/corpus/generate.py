"""Generate the labelled evaluation corpora: ``dev.jsonl`` and ``holdout.jsonl``.

    uv run python tests/corpus/generate.py            # writes both files next to this script
    uv run python tests/corpus/generate.py --check    # regenerate in memory, fail if files differ

Every value is synthetic (Faker ``en_GB`` with fixed seeds plus our own generators); every
"valid" identifier is made valid by the checksum code below, which is written here on purpose
and never imported from ``detectors/``: the corpus must not share a bug with the thing it
measures. Labels follow the policy in ``/work/shared/DESIGN.md`` and issue 3, not what any
detector happens to do.

The two corpora share only the value generators (checksums, formats). Their *templates*
(the prose around the values, the document shapes, the evasion mixes) are disjoint, and
they use different seeds. ``holdout.jsonl`` exists to estimate generalisation: do not tune
detectors on it.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
PD, SC, OS, CR = "PERSONAL_DATA", "SPECIAL_CATEGORY", "OFFICIAL_SENSITIVE", "CREDENTIALS"

# --------------------------------------------------------------------------------------
# Checksums and identifier rules (independent implementations)
# --------------------------------------------------------------------------------------

NINO_FIRST = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
NINO_SECOND = [c for c in string.ascii_uppercase if c not in "DFIOQUV"]
NINO_BANNED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_is_valid(compact: str) -> bool:
    """HMRC NINO rules: prefix letters, banned pairs, six digits, suffix A-D."""
    s = compact.upper()
    return (
        len(s) == 9
        and s[0] in NINO_FIRST
        and s[1] in NINO_SECOND
        and s[:2] not in NINO_BANNED
        and s[2:8].isdigit()
        and s[8] in "ABCD"
    )


def nhs_check_digit(nine: str) -> int | None:
    """NHS number mod 11 (weights 10..2); ``None`` when the check would be 10 (unusable)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_is_valid(ten: str) -> bool:
    return len(ten) == 10 and ten.isdigit() and nhs_check_digit(ten[:9]) == int(ten[9])


def luhn_check_digit(partial: str) -> int:
    total = 0
    for i, d in enumerate(reversed(partial)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def luhn_is_valid(number: str) -> bool:
    return luhn_check_digit(number[:-1]) == int(number[-1])


def _iban_numeric(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s))


def iban_check_digits(country: str, bban: str) -> str:
    return f"{98 - _iban_numeric(bban + country + '00') % 97:02d}"


def iban_is_valid(iban: str) -> bool:
    s = iban.replace(" ", "")
    return _iban_numeric(s[4:] + s[:4]) % 97 == 1


def utr_check_digit(nine: str) -> str:
    """HMRC UTR: the first digit checks the other nine (weights 6,7,8,9,10,5,4,3,2)."""
    weights = (6, 7, 8, 9, 10, 5, 4, 3, 2)
    return "21987654321"[sum(int(d) * w for d, w in zip(nine, weights, strict=True)) % 11]


def utr_is_valid(ten: str) -> bool:
    return len(ten) == 10 and ten.isdigit() and utr_check_digit(ten[1:]) == ten[0]


def _self_test() -> None:
    assert nhs_is_valid("9434765919")
    assert not nhs_is_valid("9434765918")
    assert luhn_is_valid("4111111111111111")
    assert not luhn_is_valid("4111111111111112")
    assert iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_is_valid("GB83 WEST 1234 5698 7654 32")
    assert nino_is_valid("AB123456C")
    assert not nino_is_valid("QQ123456C")
    assert not nino_is_valid("GB123456A")
    nine = "123456789"
    assert utr_is_valid(utr_check_digit(nine) + nine)


# --------------------------------------------------------------------------------------
# Evasion transforms
# --------------------------------------------------------------------------------------

CYRILLIC = dict(zip("ABCEHIKMOPTXaceiopxy", "АВСЕНІКМОРТХасеіорху", strict=True))
GREEK = dict(zip("ABEHIKMNOPTXYZo", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖο", strict=True))
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


def fullwidth(s: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s
    )


def confuse(s: str, table: dict[str, str], r: random.Random, rate: float = 0.7) -> str:
    out = [table[c] if c in table and r.random() < rate else c for c in s]
    if out == list(s):  # make sure at least one look-alike is present
        for i, c in enumerate(s):
            if c in table:
                out[i] = table[c]
                break
    return "".join(out)


def zero_width(s: str, r: random.Random, every: int = 2) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if i < len(s) - 1 and i % every == every - 1:
            out.append(r.choice(ZERO_WIDTH))
    return "".join(out)


def letter_space(s: str) -> str:
    return " ".join(s)


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def url_all(s: str) -> str:
    return "".join(f"%{b:02X}" for b in s.encode())


def hexed(s: str, sep: str = "") -> str:
    return sep.join(f"{b:02x}" for b in s.encode())


# --------------------------------------------------------------------------------------
# Value generators
# --------------------------------------------------------------------------------------

PLACES = [
    ("Leeds", "LS", 1, 29), ("Manchester", "M", 1, 40), ("Birmingham", "B", 1, 99),
    ("Bristol", "BS", 1, 16), ("Cardiff", "CF", 10, 24), ("Glasgow", "G", 1, 84),
    ("Newcastle upon Tyne", "NE", 1, 99), ("Sheffield", "S", 1, 36), ("Liverpool", "L", 1, 39),
    ("Nottingham", "NG", 1, 22), ("Leicester", "LE", 1, 19), ("Norwich", "NR", 1, 35),
    ("Plymouth", "PL", 1, 9), ("Exeter", "EX", 1, 4), ("Swansea", "SA", 1, 9),
    ("Edinburgh", "EH", 1, 17), ("Belfast", "BT", 1, 17), ("Preston", "PR", 1, 5),
    ("Blackpool", "FY", 1, 4), ("Sunderland", "SR", 1, 6), ("Hull", "HU", 1, 9),
    ("York", "YO", 1, 31), ("Derby", "DE", 1, 24), ("Stoke-on-Trent", "ST", 1, 6),
    ("Wolverhampton", "WV", 1, 14), ("Coventry", "CV", 1, 6), ("Reading", "RG", 1, 31),
    ("Southampton", "SO", 14, 19), ("Portsmouth", "PO", 1, 6), ("Brighton", "BN", 1, 3),
    ("Aberdeen", "AB", 10, 25), ("Dundee", "DD", 1, 5), ("Newport", "NP", 10, 20),
    ("Bradford", "BD", 1, 15), ("Wakefield", "WF", 1, 17), ("Doncaster", "DN", 1, 12),
    ("Middlesbrough", "TS", 1, 9), ("Oldham", "OL", 1, 16), ("Bolton", "BL", 1, 9),
    ("London", "SE", 1, 28), ("London", "E", 1, 18), ("London", "N", 1, 22),
    ("London", "NW", 1, 11), ("London", "SW", 1, 20), ("London", "W", 3, 14),
]
STREETS = [
    "Acacia Avenue", "Station Road", "Victoria Street", "Church Lane", "Mill Road", "High Street",
    "Park Road", "Queens Road", "Kings Road", "Albert Terrace", "Elm Grove", "Manor Way",
    "Cedar Close", "Oak Drive", "Beech Crescent", "Windsor Gardens", "St John's Road",
    "Chapel Street", "Wellington Road", "Moor Lane", "Springfield Avenue", "Green Lane",
    "Meadow View", "Hawthorn Close", "Orchard Way", "Castle Street", "Bridge Street",
    "Stanley Road", "Grange Road", "Cromwell Road", "Nelson Street", "Fairfield Drive",
    "Holly Bank", "Westfield Road", "Ashley Court", "Rowan Walk", "Derwent Road", "Ladybank",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
EMAIL_DOMAINS = [
    "gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com",
    "sky.com", "live.co.uk", "googlemail.com", "virginmedia.com", "talktalk.net", "aol.com",
]
GEO_PREFIXES = [("0113", "496"), ("0114", "496"), ("0115", "496"), ("0116", "496"),
                ("0117", "496"), ("0118", "496"), ("0121", "496"), ("0131", "496"),
                ("0141", "496"), ("0151", "496"), ("0161", "496"), ("0191", "498")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
B62 = string.ascii_letters + string.digits
B64CH = B62 + "+/"


@dataclass
class Person:
    title: str
    first: str
    last: str
    female: bool
    dob: date
    town: str
    postcode: str
    street: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def formal(self) -> str:
        return f"{self.title} {self.last}"

    @property
    def full(self) -> str:
        return f"{self.title} {self.first} {self.last}"

    @property
    def he(self) -> str:
        return "she" if self.female else "he"

    @property
    def his(self) -> str:
        return "her" if self.female else "his"

    @property
    def him(self) -> str:
        return "her" if self.female else "him"

    @property
    def address_lines(self) -> list[str]:
        return [self.street, self.town, self.postcode]

    @property
    def address(self) -> str:
        return ", ".join(self.address_lines)


class Gen:
    """Seeded source of synthetic values (valid and deliberately invalid)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.f = Faker("en_GB")
        self.f.seed_instance(seed)

    # -- helpers -------------------------------------------------------------------------
    def pick(self, seq):  # noqa: ANN001, ANN201
        return self.r.choice(seq)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # -- people --------------------------------------------------------------------------
    def person(self) -> Person:
        female = self.chance(0.5)
        first = self.f.first_name_female() if female else self.f.first_name_male()
        title = self.pick(["Mrs", "Ms", "Miss"]) if female else "Mr"
        if self.chance(0.05):
            title = "Dr"
        town, pc = self.town_postcode()
        return Person(title, first, self.f.last_name(), female, self.dob(), town, pc,
                      self.street())

    def dob(self) -> date:
        return date(1938, 1, 1) + timedelta(days=self.r.randrange(0, 68 * 365))

    def street(self) -> str:
        number = self.r.randint(1, 240)
        if self.chance(0.15):
            return f"Flat {self.r.randint(1, 40)}, {number} {self.pick(STREETS)}"
        return f"{number} {self.pick(STREETS)}"

    def town_postcode(self) -> tuple[str, str]:
        town, area, lo, hi = self.pick(PLACES)
        out = f"{area}{self.r.randint(lo, hi)}"
        inward = f"{self.r.randint(0, 9)}{self.chars(INWARD_LETTERS, 2)}"
        return town, f"{out} {inward}"

    # -- contact -------------------------------------------------------------------------
    def mobile(self) -> str:
        if self.chance(0.5):
            rest = f"900{self.digits(3)}"
            core = "7700"
        else:
            core = f"7{self.r.choice('345789')}{self.digits(2)}"
            rest = self.digits(6)
        style = self.r.randrange(5)
        if style == 0:
            return f"0{core} {rest}"
        if style == 1:
            return f"0{core}{rest}"
        if style == 2:
            return f"+44 {core} {rest}"
        if style == 3:
            return f"+44 (0){core} {rest[:3]} {rest[3:]}"
        return f"+44{core}{rest}"

    def landline(self) -> str:
        if self.chance(0.3):
            rest = f"7946 0{self.digits(3)}"
            return self.pick([f"020 {rest}", f"+44 20 {rest}", f"(020) {rest}"])
        code, exch = self.pick(GEO_PREFIXES)
        rest = f"{exch} 0{self.digits(3)}"
        return self.pick([f"{code} {rest}", f"+44 {code[1:]} {rest}", f"({code}) {rest}"])

    def phone(self) -> str:
        return self.mobile() if self.chance(0.6) else self.landline()

    def email(self, p: Person | None = None) -> str:
        first, last = (p.first, p.last) if p else (self.f.first_name(), self.f.last_name())
        first, last = first.lower(), last.lower().replace("'", "")
        local = self.pick([f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}{self.r.randint(1, 99)}",
                           f"{first}_{last}", f"{last}.{first}{self.r.randint(60, 99)}"])
        return f"{local}@{self.pick(EMAIL_DOMAINS)}"

    def ip(self) -> str:
        return self.f.ipv4_public() if self.chance(0.85) else self.f.ipv6()

    # -- dates ---------------------------------------------------------------------------
    def fmt_date(self, d: date, style: int | None = None) -> str:
        style = self.r.randrange(6) if style is None else style
        return [
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{d.day} {MONTHS[d.month - 1]} {d.year}",
            f"{d.year}-{d.month:02d}-{d.day:02d}",
            f"{d.day:02d}.{d.month:02d}.{d.year}",
            f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
            f"{d.day:02d}-{d.month:02d}-{d.year}",
        ][style]

    def recent_date(self) -> date:
        return date(2023, 1, 1) + timedelta(days=self.r.randrange(0, 900))

    # -- identifiers ---------------------------------------------------------------------
    def nino_compact(self) -> str:
        while True:
            prefix = self.pick(NINO_FIRST) + self.pick(NINO_SECOND)
            if prefix not in NINO_BANNED:
                break
        s = prefix + self.digits(6) + self.pick("ABCD")
        assert nino_is_valid(s)
        return s

    def nino(self, styles: str = "csdx") -> str:
        s = self.nino_compact()
        style = self.pick(styles)
        return {
            "c": s,
            "s": f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:8]} {s[8]}",
            "d": f"{s[:2]}.{s[2:4]}.{s[4:6]}.{s[6:8]}.{s[8]}",
            "x": f"{s[:8]} {s[8]}",
            "h": f"{s[:2]}-{s[2:4]}-{s[4:6]}-{s[6:8]}-{s[8]}",
            "l": f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:8]} {s[8]}".lower(),
            "u": f"{s[:2]}_{s[2:4]}_{s[4:6]}_{s[6:8]}_{s[8]}",
            "t": f"{s[:2]} {s[2:8]} {s[8]}",
        }[style]

    def nino_invalid(self) -> str:
        kind = self.r.randrange(3)
        if kind == 0:
            prefix = self.pick("DFIQUV") + self.pick(NINO_SECOND)
        elif kind == 1:
            prefix = self.pick(sorted(NINO_BANNED))
        else:
            prefix = self.pick(NINO_FIRST) + self.pick("DFIOQUV")
        s = prefix + self.digits(6) + self.pick("ABCD")
        assert not nino_is_valid(s)
        return self.pick([s, f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:8]} {s[8]}"])

    def nhs_compact(self) -> str:
        while True:
            nine = str(self.r.choice([4, 6, 7, 9])) + self.digits(8)
            check = nhs_check_digit(nine)
            if check is not None:
                return nine + str(check)

    def nhs(self, sep: str | None = None) -> str:
        s = self.nhs_compact()
        sep = self.pick([" ", "", "-", " "]) if sep is None else sep
        return f"{s[:3]}{sep}{s[3:6]}{sep}{s[6:]}"

    def nhs_invalid(self, sep: str | None = None) -> str:
        s = self.nhs_compact()
        bad = s[:9] + str((int(s[9]) + self.r.randint(1, 9)) % 10)
        if nhs_is_valid(bad):  # pragma: no cover - impossible for a single changed digit
            bad = s[:9] + str((int(s[9]) + 1) % 10)
        assert not nhs_is_valid(bad)
        sep = self.pick([" ", ""]) if sep is None else sep
        return f"{bad[:3]}{sep}{bad[3:6]}{sep}{bad[6:]}"

    def card_compact(self) -> str:
        kind = self.r.randrange(3)
        if kind == 0:
            partial = "4" + self.digits(14)
        elif kind == 1:
            partial = str(self.r.randint(51, 55)) + self.digits(13)
        else:
            partial = self.pick(["34", "37"]) + self.digits(12)
        return partial + str(luhn_check_digit(partial))

    def _group_card(self, s: str, sep: str) -> str:
        if len(s) == 15:
            return f"{s[:4]}{sep}{s[4:10]}{sep}{s[10:]}"
        return sep.join(s[i : i + 4] for i in range(0, 16, 4))

    def card(self, sep: str | None = None) -> str:
        sep = self.pick([" ", "", "-", " "]) if sep is None else sep
        return self._group_card(self.card_compact(), sep)

    def card_invalid(self, sep: str | None = None) -> str:
        s = self.card_compact()
        bad = s[:-1] + str((int(s[-1]) + self.r.randint(1, 9)) % 10)
        assert not luhn_is_valid(bad)
        sep = self.pick([" ", "-"]) if sep is None else sep
        return self._group_card(bad, sep)

    def sort_code(self) -> str:
        d = self.digits(6)
        return self.pick([f"{d[:2]}-{d[2:4]}-{d[4:]}", f"{d[:2]} {d[2:4]} {d[4:]}", d])

    def account(self) -> str:
        return self.digits(8)

    def iban_compact(self) -> str:
        bban = self.pick(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA", "SRLG", "CPBK", "MONZ"]) + self.digits(14)
        s = "GB" + iban_check_digits("GB", bban) + bban
        assert iban_is_valid(s)
        return s

    def iban(self, spaced: bool | None = None) -> str:
        s = self.iban_compact()
        spaced = self.chance(0.6) if spaced is None else spaced
        return " ".join(s[i : i + 4] for i in range(0, len(s), 4)) if spaced else s

    def iban_invalid(self) -> str:
        s = self.iban_compact()
        bad = s[:2] + f"{(int(s[2:4]) + self.r.randint(1, 40)) % 100:02d}" + s[4:]
        if iban_is_valid(bad):
            bad = s[:2] + f"{(int(s[2:4]) + 1) % 100:02d}" + s[4:]
        assert not iban_is_valid(bad)
        return " ".join(bad[i : i + 4] for i in range(0, len(bad), 4))

    def utr(self) -> str:
        nine = self.digits(9)
        s = utr_check_digit(nine) + nine
        assert utr_is_valid(s)
        return self.pick([s, f"{s[:5]} {s[5:]}", s])

    def utr_invalid(self) -> str:
        nine = self.digits(9)
        good = utr_check_digit(nine)
        bad = self.pick([c for c in string.digits if c != good]) + nine
        assert not utr_is_valid(bad)
        return bad

    def passport(self) -> str:
        return str(self.r.randint(1, 9)) + self.digits(8)

    def licence(self, p: Person) -> str:
        sur = "".join(c for c in p.last.upper() if c.isalpha())[:5].ljust(5, "9")
        y = f"{p.dob.year % 100:02d}"
        month = p.dob.month + (50 if p.female else 0)
        initials = (p.first[0] + self.pick(["", self.pick(string.ascii_uppercase)])).upper().ljust(2, "9")
        return f"{sur}{y[0]}{month:02d}{p.dob.day:02d}{y[1]}{initials}9{self.chars(string.ascii_uppercase, 2)}"

    def licence_invalid(self) -> str:
        """Licence-shaped but impossible: month 13-49 or 63+, or day 32+."""
        sur = "".join(c for c in self.f.last_name().upper() if c.isalpha())[:5].ljust(5, "9")
        if self.chance(0.5):
            month, day = self.r.randint(13, 49), self.r.randint(1, 28)
        else:
            month, day = self.r.randint(1, 12), self.r.randint(32, 99)
        return f"{sur}{self.r.randint(4, 9)}{month:02d}{day:02d}{self.r.randint(0, 9)}{self.chars(string.ascii_uppercase, 2)}9{self.chars(string.ascii_uppercase, 2)}"

    # -- credentials (syntactically realistic, random, never real) -----------------------
    def aws_key_id(self) -> str:
        return self.pick(["AKIA", "ASIA"]) + self.chars(string.ascii_uppercase + "234567", 16)

    def aws_secret(self) -> str:
        return self.chars(B62 + "/+", 40)

    def github(self) -> str:
        if self.chance(0.3):
            return "github_pat_" + self.chars(B62, 22) + "_" + self.chars(B62, 59)
        return self.pick(["ghp_", "gho_", "ghs_", "ghu_"]) + self.chars(B62, 36)

    def gitlab(self) -> str:
        return self.pick(["glpat-", "glpat-", "gldt-"]) + self.chars(B62 + "-_", 20)

    def slack(self) -> str:
        if self.chance(0.3):
            return (f"https://hooks.slack.com/services/T{self.chars(string.ascii_uppercase + string.digits, 10)}"
                    f"/B{self.chars(string.ascii_uppercase + string.digits, 10)}/{self.chars(B62, 24)}")
        return f"{self.pick(['xoxb', 'xoxp', 'xoxa'])}-{self.digits(12)}-{self.digits(13)}-{self.chars(B62, 24)}"

    def openai(self) -> str:
        if self.chance(0.5):
            return "sk-proj-" + self.chars(B62 + "-_", 124) + "T3BlbkFJ" + self.chars(B62 + "-_", 24)
        return "sk-" + self.chars(B62, 20) + "T3BlbkFJ" + self.chars(B62, 20)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.chars(B62 + "-_", 93) + "AA"

    def jwt(self) -> str:
        def enc(obj: object) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

        header = {"alg": self.pick(["HS256", "RS256", "ES256"]), "typ": "JWT"}
        iat = 1_700_000_000 + self.r.randrange(50_000_000)
        payload = {"sub": f"svc-{self.pick(['claims', 'payments', 'casework', 'reporting'])}-{self.digits(4)}",
                   "iss": self.pick(["https://auth.internal.example", "casework-api", "idp"]),
                   "iat": iat, "exp": iat + 3600, "scope": self.pick(["read", "read write", "admin"])}
        sig = base64.urlsafe_b64encode(self.r.randbytes(32)).decode().rstrip("=")
        return f"{enc(header)}.{enc(payload)}.{sig}"

    def private_key(self) -> str:
        kind = self.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
        body = base64.b64encode(self.r.randbytes(self.r.choice([180, 300, 420]))).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"

    def password(self) -> str:
        word = self.pick(["Summer", "Winter", "Dragon", "Pa55", "Welcome", "Qwerty", "Sunset", "Falcon"])
        return word + self.chars(string.digits, self.r.randint(2, 4)) + self.pick(["!", "#", "$", "%", "?", ""]) + self.chars(B62, 4)

    def conn_string(self) -> str:
        user = self.pick(["app_user", "claims_rw", "svc_report", "admin", "etl", "caseworker_api"])
        pw = urllib.parse.quote(self.password(), safe="")
        host = self.pick(["db01.internal", "10.20.4.15", "claims-db.prod.local", "pg-primary", "sql-prod-02"])
        db = self.pick(["claims", "casework", "payments", "reporting"])
        kind = self.r.randrange(5)
        if kind == 0:
            return f"postgresql://{user}:{pw}@{host}:5432/{db}"
        if kind == 1:
            return f"mysql://{user}:{pw}@{host}:3306/{db}"
        if kind == 2:
            return f"mongodb+srv://{user}:{pw}@cluster0.{self.chars(string.ascii_lowercase + string.digits, 5)}.mongodb.net/{db}"
        if kind == 3:
            return f"Server={host};Database={db};User Id={user};Password={self.password()};"
        return f"redis://:{pw}@{host}:6379/0"

    # -- harmless look-alikes --------------------------------------------------------------
    def sha1(self) -> str:
        return self.r.randbytes(20).hex()

    def sha256(self) -> str:
        return self.r.randbytes(32).hex()

    def uuid(self) -> str:
        h = self.r.randbytes(16).hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


# --------------------------------------------------------------------------------------
# Template registry
# --------------------------------------------------------------------------------------

Case = tuple[str, list[str]]
Template = Callable[[Gen], Case]
BANKS: dict[str, list[tuple[str, int, Template]]] = {"dev": [], "holdout": []}


def tpl(bank: str, family: str, count: int) -> Callable[[Template], Template]:
    def register(fn: Template) -> Template:
        BANKS[bank].append((family, count, fn))
        return fn

    return register


# Shared vocabulary (content words, not templates)
BENEFITS = ["Universal Credit", "Personal Independence Payment", "Employment and Support Allowance",
            "Pension Credit", "Carer's Allowance", "Attendance Allowance", "Jobseeker's Allowance",
            "Child Benefit", "Housing Benefit", "State Pension"]
HEALTH = ["type 1 diabetes", "multiple sclerosis", "severe depression", "bipolar disorder",
          "epilepsy", "long COVID", "Crohn's disease", "a diagnosis of breast cancer", "PTSD",
          "schizophrenia", "COPD", "an anxiety disorder", "early-onset dementia", "HIV",
          "fibromyalgia", "a brain injury following a stroke", "chronic fatigue syndrome"]
DISABILITY = ["is registered blind", "uses a wheelchair", "is profoundly deaf and uses BSL",
              "has autism", "has a learning disability", "has dyslexia and ADHD",
              "has cerebral palsy", "is an amputee"]
RELIGION = ["is a practising Muslim", "is Jewish and observes the Sabbath", "is a Sikh",
            "is a Jehovah's Witness", "is a practising Catholic", "is Hindu"]
ETHNICITY = ["describes herself as Black Caribbean", "is of Pakistani heritage",
             "identifies as Gypsy/Roma", "is of Bangladeshi origin",
             "describes himself as mixed White and Black African"]
ORIENTATION = ["is gay", "is in a same-sex relationship", "is bisexual", "is a lesbian"]
GENDER = ["is transitioning", "has a Gender Recognition Certificate", "is trans",
          "is trans and recently changed name by deed poll"]


def special(g: Gen, p: Person) -> str:
    kind = g.r.randrange(7)
    if kind == 0:
        return f"{p.he} has {g.pick(HEALTH)}"
    if kind == 1:
        return f"{p.he} {g.pick(DISABILITY)}"
    if kind == 2:
        return f"{p.he} {g.pick(RELIGION)}"
    if kind == 3:
        eth = g.pick(ETHNICITY).replace("herself", "himself" if not p.female else "herself")
        eth = eth.replace("himself", "herself" if p.female else "himself")
        return f"{p.he} {eth}"
    if kind == 4:
        return f"{p.he} {g.pick(ORIENTATION)}"
    if kind == 5:
        return f"{p.he} {g.pick(GENDER)}"
    if p.female:
        return f"she is {g.r.randint(8, 36)} weeks pregnant"
    return f"{p.he} has {g.pick(HEALTH)}"


def cap(s: str) -> str:
    return s[0].upper() + s[1:]


OS_BODIES = [
    "Options paper: proposed changes to the fraud referral process for Q3.\nOption 1: keep the current manual triage.\nOption 2: move to risk-scored triage with a weekly review board.\nRecommendation: Option 2, subject to ministerial clearance.",
    "Commercial summary of the bids received for the contact-centre telephony contract. Supplier A is 12% cheaper over five years but scored lower on resilience. Supplier B meets all mandatory requirements. We recommend proceeding to negotiation with Supplier B.",
    "Draft submission to the Minister on the timetable for the managed migration of legacy benefits. Risks: IT readiness in two regions, staffing in the North East, and the interaction with the autumn fiscal event. Handling: no announcement before the Budget.",
    "Briefing: the estate rationalisation programme will close four regional offices in 2026. Unions have not yet been informed. Lines to take are attached. Please do not forward.",
    "Minutes of the Programme Board. Item 3: the data migration slipped by six weeks; the contingency budget of 1.2m has been drawn down by 40%. Item 4: the cyber assurance review found two high findings, remediation owners assigned.",
    "Negotiating position for the pay remit discussions: the Treasury ceiling is 4.5%; our opening offer will be 3%. The fallback position is set out in Annex B.",
    "Security incident summary: a laptop was reported lost on the train. It was encrypted and has been remotely wiped. No further action is proposed but the incident will be reported to the departmental security unit.",
    "Policy development note: options for tightening the eligibility rules for the hardship fund, with costings from analysts. Not yet cleared by the Secretary of State. Please summarise in three bullets.",
    "Draft lines for a possible leak of the internal audit report on contract management. Key message: the department accepted all recommendations and has already implemented five of the eight.",
    "Readout of the meeting with the regulator on the proposed enforcement approach. They will not confirm the timetable until after the consultation closes. Next steps agreed.",
]
PLAIN_BODIES = [
    "Team update: the new leave booking system goes live on Monday. Please submit any requests for August through the new form. Training videos are on the intranet.",
    "Agenda for the quarterly business review: 1. performance against targets, 2. budget position, 3. recruitment update, 4. AOB.",
    "Guidance note: how to record a change of circumstances in the case management system. Step 1: open the claim. Step 2: select 'Report a change'. Step 3: choose the change type and effective date.",
    "Draft blog post for the intranet about our volunteering day at the local food bank. We packed 300 parcels and raised 1,200 pounds for the charity.",
    "Summary of the public consultation responses: 412 responses received, 61% in favour of the proposal, common themes were cost, accessibility and timescales.",
    "Project highlight report: status amber. Milestones: discovery complete, alpha assessment passed, beta due in March. Risks: supplier capacity over Christmas.",
    "Job description for a Higher Executive Officer in the analysis team. Responsibilities include producing monthly statistics, quality assuring dashboards and briefing senior managers.",
    "Note of the stakeholder forum. Attendees discussed the accessibility of online forms; actions were agreed to test with screen reader users before launch.",
]
OS_BODIES_HOLDOUT = [
    "Update for the board: the contract renewal with the printing supplier is at risk. Their price has risen 30% and legal advise we may terminate for convenience with 3 months' notice.",
    "Draft handling plan for the publication of the estates review. Two sites are named for closure; local MPs will be briefed the day before publication.",
    "Restructure proposal: merge the two debt teams, reducing management posts from 14 to 9. Consultation with the trade unions will start in the new year.",
    "Emerging findings of the internal fraud investigation into procurement cards. Three cases are being referred to the counter-fraud team; no conclusions yet.",
    "Preliminary costings for the new grant scheme: 45m over three years, with 20% held as contingency. Treasury has not yet agreed the envelope.",
    "Read-out from the resilience exercise: the failover to the secondary data centre took 9 hours against a 4-hour target. Remediation plan to follow.",
]
PLAIN_BODIES_HOLDOUT = [
    "Reminder: the fire alarm will be tested on Wednesday at 10am. No need to evacuate.",
    "The learning and development catalogue for next year is now published. Managers should discuss options in one-to-ones.",
    "Our team met 11 of 12 service standards this quarter. The missed standard was telephone answering in January.",
    "The new travel policy takes effect from 1 May. Rail travel should be booked through the approved portal.",
]
MARKINGS_DEV = [
    "OFFICIAL-SENSITIVE", "OFFICIAL - SENSITIVE", "OFFICIAL SENSITIVE", "Official-Sensitive",
    "OFFICIAL-SENSITIVE: COMMERCIAL", "OFFICIAL-SENSITIVE [PERSONAL]", "OFFICIAL-SENSITIVE - LOCSEN",
    "Classification: OFFICIAL-SENSITIVE", "OFFICIAL–SENSITIVE", "OFFICIAL-SENSITIVE POLICY",
    "SECRET", "TOP SECRET", "SECRET - UK EYES ONLY", "TOP SECRET STRAP1", "RESTRICTED",
    "CONFIDENTIAL", "Classification: SECRET", "official-sensitive", "OFFICIAL-SENSITIVE UK EYES ONLY",
]
MARKINGS_HOLDOUT = [
    "OFFICIAL—SENSITIVE", "Official Sensitive", "OFFICIAL_SENSITIVE", "OFFICIAL-SENSITIVE: PERSONAL",
    "OFFICIAL-SENSITIVE (COMMERCIAL)", "OFFICIAL-SENSITIVE: LOCSEN", "Security classification: OFFICIAL-SENSITIVE",
    "Protective marking: OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE [POLICY]", "SECRET UK EYES ONLY",
    "TOP SECRET - UK EYES ONLY", "RESTRICTED - MANAGEMENT", "CONFIDENTIAL - STAFF", "Classification: TOP SECRET",
    "OFFICIAL SENSITIVE - HR", "OFFICIAL-SENSITIVE // PERSONAL", "Official-sensitive: Commercial",
]


def marked(g: Gen, marking: str, body: str, header: bool = True, footer: bool = True) -> str:
    parts = []
    if not footer:
        header = True  # a marked document carries the marking somewhere
    if header:
        parts.append(marking)
    parts.append(body)
    if footer:
        parts.append(marking)
    return "\n\n".join(parts)


# ======================================================================================
# DEV templates
# ======================================================================================

ASKS_DEV = [
    "Can you summarise this case note in three bullet points?",
    "Please rewrite this in plain English for the customer.",
    "Turn this into a short handover for the next caseworker.",
    "What should my next action be on this case?",
    "Draft a reply to this that is polite but firm.",
    "Check the tone of this before I send it.",
]


@tpl("dev", "dwp-casenote-nino", 22)
def _(g: Gen) -> Case:
    p = g.person()
    b = g.pick(BENEFITS)
    d = g.fmt_date(g.recent_date())
    return (
        f"{g.pick(ASKS_DEV)}\n\nCase note {d}\nClaimant: {p.full}\nNINO: {g.nino()}\nBenefit: {b}\n"
        f"{p.formal} phoned to say {p.his} last payment was lower than expected. I explained the "
        f"earnings taper and that a deduction is being taken for an advance. {cap(p.he)} asked for "
        f"a mandatory reconsideration form, which I have sent.",
        [PD],
    )


@tpl("dev", "nino-alone", 16)
def _(g: Gen) -> Case:
    n = g.nino()
    return g.pick([
        f"Why would the system reject the NI number {n} when I try to set up an advance? It says 'record not found'.",
        f"I need to chase HMRC about an NI record. The number is {n}. What is the quickest route?",
        f"Write a short email to the payments team asking them to check the overpayment recovery on {n}.",
        f"Is there a way to see if {n} already has an open Pension Credit claim before I start a new one?",
        f"Quick one - customer gave national insurance no. {n} over webchat, what do I do next to verify identity?",
    ]), [PD]


@tpl("dev", "nhs-referral", 16)
def _(g: Gen) -> Case:
    p = g.person()
    with_sc = g.chance(0.6)
    if with_sc:
        body = (f"I would be grateful if you could see this patient in the community clinic. "
                f"Relevant history: {special(g, p)}.")
    else:
        body = "The patient has moved house and asked us to update the registered address on the spine."
    return (
        f"Please tidy up this letter.\n\nRe: {p.full}, DOB {g.fmt_date(p.dob)}, NHS No. {g.nhs()}\n"
        f"Dear colleague, {body} {cap(p.he)} would prefer morning appointments.",
        [PD, SC] if with_sc else [PD],
    )


@tpl("dev", "nhs-number-alone", 10)
def _(g: Gen) -> Case:
    n = g.nhs()
    return g.pick([
        f"The practice system shows two records for NHS number {n}. Draft an email asking the practice manager to merge them.",
        f"Can you explain what to do when a PDS trace returns a different GP for {n}?",
        f"Patient NHS no {n} - appointment letter bounced back. Who should I notify?",
        f"Write a data quality ticket: duplicate registrations found under NHS number {n}.",
    ]), [PD]


@tpl("dev", "letter-address", 16)
def _(g: Gen) -> Case:
    p = g.person()
    addr = "\n".join([p.full, *p.address_lines])
    return (
        f"Draft a letter to this customer confirming we have received {p.his} documents.\n\n{addr}\n\n"
        f"Dear {p.formal},\nThank you for sending the evidence we asked for...",
        [PD],
    )


@tpl("dev", "phone-callback", 16)
def _(g: Gen) -> Case:
    p = g.person()
    ph = g.phone()
    if g.chance(0.5):
        return (f"Write a callback note: {p.formal} wants a call on {ph} after 2pm about {p.his} "
                f"{g.pick(BENEFITS)} appointment.", [PD])
    return (g.pick([
        f"Customer asked to be called back on {ph} regarding the missing payment. Draft a note for the team.",
        f"Summarise: rang claimant on {ph}, no answer, left voicemail re: fit note due on {g.fmt_date(g.recent_date())}.",
        f"What's the right wording for a text message to {ph} reminding them of tomorrow's work search review?",
    ]), [PD])


@tpl("dev", "email-reply", 16)
def _(g: Gen) -> Case:
    p = g.person()
    e = g.email(p)
    return g.pick([
        f"Reply to {e} explaining that we cannot discuss the claim by email and offering a phone appointment.",
        f"Can you draft a response to this? From: {p.name} <{e}>\nSubject: my payment\nHi, my payment still has not arrived, can you help?",
        f"The customer's email address is {e} - write a short confirmation that we have updated {p.his} contact details.",
        f"Add {e} to the mailing list template and write a welcome message for a new apprentice applicant.",
    ]), [PD]


@tpl("dev", "dob", 12)
def _(g: Gen) -> Case:
    p = g.person()
    d = g.fmt_date(p.dob)
    return g.pick([
        f"Claimant DOB {d}. Has she reached State Pension age yet, and if not when will she?",
        f"Customer gives date of birth as {d} but the record shows a different year. How do I correct it?",
        f"Work out how old someone born on {d} was on 6 April 2024, this is for a Pension Credit backdating claim.",
        f"{p.name}, born {d}: can you check whether {p.he} qualifies for the older person's bus pass?",
    ]), [PD]


@tpl("dev", "bank-details", 16)
def _(g: Gen) -> Case:
    sc, acc = g.sort_code(), g.account()
    p = g.person()
    return g.pick([
        f"The customer wants payments redirected to sort code {sc}, account number {acc}. Draft the confirmation letter.",
        f"Change of bank details for {p.full}: sort code {sc} account {acc}. What verification do I need before updating?",
        f"Payment returned by bank. Details held: {sc} / {acc}. Write a note explaining next steps.",
        f"Please format this for the payments spreadsheet:\nSort code: {sc}\nAccount no: {acc}\nAmount: 412.36",
    ]), [PD]


@tpl("dev", "iban", 10)
def _(g: Gen) -> Case:
    return g.pick([
        f"Customer has moved abroad and wants the pension paid to IBAN {g.iban()}. Is that allowed for a UK state pension?",
        f"Draft an email asking finance to refund the overpaid tax to {g.iban()}.",
        f"The IBAN {g.iban()} was rejected by the payment system - what could be wrong with it?",
    ]), [PD]


@tpl("dev", "card", 12)
def _(g: Gen) -> Case:
    c = g.card()
    return g.pick([
        f"Customer read out card {c}, expiry 0{g.r.randint(1, 9)}/2{g.r.randint(6, 9)}, to pay the overpayment on the call. How should I record it?",
        f"Refund the fee to the card ending in these digits: {c}. Write the refund request.",
        f"The payment page declined {c}. Draft a reply suggesting alternative ways to pay.",
    ]), [PD]


@tpl("dev", "passport", 10)
def _(g: Gen) -> Case:
    p = g.person()
    pp = g.passport()
    return g.pick([
        f"Applicant {p.name} provided UK passport number {pp}. Write the identity check note for the file.",
        f"Passport no. {pp} - the scan is blurry. Draft an email requesting a clearer copy.",
        f"Can you check the format of this passport number: {pp}? The applicant says it was issued in 2019.",
    ]), [PD]


@tpl("dev", "driving-licence", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Customer sent driving licence {g.licence(p)} as ID. Is a provisional licence acceptable evidence?",
        f"Record the following ID check: photocard driving licence no. {g.licence(p)}, expires 2031.",
        f"Summarise: {p.formal} gave {p.his} driving licence number {g.licence(p)} when reporting the change of address.",
    ]), [PD]


@tpl("dev", "utr", 12)
def _(g: Gen) -> Case:
    u = g.utr()
    return g.pick([
        f"Self Assessment UTR {u} - the return shows a late filing penalty. Draft an appeal template the customer can use.",
        f"Taxpayer with UTR {u} says they never received the notice to file. What are the options?",
        f"Write a short letter confirming the payment on account for Unique Taxpayer Reference {u}.",
    ]), [PD]


@tpl("dev", "ip-address", 10)
def _(g: Gen) -> Case:
    p = g.person()
    ip = g.ip()
    return g.pick([
        f"Audit log shows {p.name} logged into the online account from {ip} at 03:12. Draft a fraud referral summary.",
        f"The claimant's account was accessed from IP {ip} while {p.he} was in hospital. How do I escalate this?",
        f"Customer says someone else changed {p.his} bank details. The change came from {ip}. Write the case summary.",
    ]), [PD]


@tpl("dev", "spreadsheet", 15)
def _(g: Gen) -> Case:
    rows = ["Name,NINO,DOB,Postcode,Benefit"]
    for _ in range(g.r.randint(3, 8)):
        p = g.person()
        rows.append(f"{p.name},{g.nino('c')},{g.fmt_date(p.dob, 0)},{p.postcode},{g.pick(BENEFITS)}")
    return (
        g.pick(["Can you sort this by postcode and remove duplicates?", "Which of these claimants are over 66?",
                "Convert this CSV into a markdown table."]) + "\n\n" + "\n".join(rows),
        [PD],
    )


@tpl("dev", "markdown-table", 10)
def _(g: Gen) -> Case:
    rows = ["| Name | Phone | Email | Outcome |", "|---|---|---|---|"]
    for _ in range(g.r.randint(3, 6)):
        p = g.person()
        rows.append(f"| {p.name} | {g.phone()} | {g.email(p)} | {g.pick(['attended', 'no show', 'rebooked'])} |")
    return "Summarise attendance from this table and draft reminder texts:\n\n" + "\n".join(rows), [PD]


@tpl("dev", "name-case-detail", 22)
def _(g: Gen) -> Case:
    p = g.person()
    b = g.pick(BENEFITS)
    return g.pick([
        f"Summarise for my manager: {p.full} called to complain that {p.his} {b} payment was three weeks late and {p.he} has had to use a food bank.",
        f"{p.name} has been sanctioned for missing a work coach appointment. {cap(p.he)} says the letter went to the wrong address. Draft a mandatory reconsideration response.",
        f"Write a letter to {p.full} explaining that {p.his} {b} award has been reduced following the review.",
        f"Help me word a safeguarding referral: {p.name} told me on the phone today that {p.he} has no gas or electricity and cannot afford food until {p.his} next {b} payment.",
        f"My customer {p.name} has an overpayment of {g.r.randint(200, 9000)} pounds on {b}. {cap(p.he)} wants to set up a repayment plan. Draft the letter.",
    ]), [PD]


@tpl("dev", "code-with-personal", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        "Why does this test fail with KeyError?\n\n```python\ndef test_lookup():\n"
        f"    claimant = {{'name': '{p.name}', 'nino': '{g.nino('c')}', 'email': '{g.email(p)}'}}\n"
        "    result = lookup(claimant['nino'])\n    assert result['status'] == 'open'\n```",
        [PD],
    )


@tpl("dev", "forwarded-email", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Can you draft a reply to this?\n\n---------- Forwarded message ----------\nFrom: {p.name} <{g.email(p)}>\n"
        f"Subject: Change of address\n\nHello, I moved last month. My new address is {p.address}. "
        f"My phone number is {g.mobile()}. Please update my records.\nThanks,\n{p.first}",
        [PD],
    )


@tpl("dev", "special-category", 24)
def _(g: Gen) -> Case:
    p = g.person()
    sc = special(g, p)
    return g.pick([
        f"Write a reasonable adjustments letter for {p.full}. {cap(sc)} and needs extra time in interviews.",
        f"Case summary for {p.name} (NINO {g.nino()}): {sc}. Please draft the PIP assessment referral.",
        f"My customer {p.name} told me {sc}. How should I record this on the system and what support can we offer?",
        f"Draft a note to the work coach: {p.formal} has disclosed that {sc}. {cap(p.he)} asked for appointments by phone.",
    ]), [PD, SC]


@tpl("dev", "hr-special", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"One of my team, {p.name}, has told me {special(g, p)}. {cap(p.he)} is being treated unfairly by colleagues. How do I handle this as a line manager?",
        f"Draft an occupational health referral for {p.name}, who has been absent for six weeks; {special(g, p)}.",
        f"Help me write a return-to-work plan for {p.name} in my team. {cap(special(g, p))}.",
    ]), [PD, SC]


@tpl("dev", "os-marked", 30)
def _(g: Gen) -> Case:
    m = g.pick(MARKINGS_DEV)
    body = g.pick(OS_BODIES)
    ask = g.pick(["Summarise this for a one-page brief:", "Improve the structure of this paper:",
                  "Shorten this to 150 words:", "Turn this into speaking notes:"])
    return f"{ask}\n\n" + marked(g, m, body, header=g.chance(0.8), footer=g.chance(0.6)), [OS]


@tpl("dev", "os-email-header", 12)
def _(g: Gen) -> Case:
    m = g.pick(["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE: COMMERCIAL", "SECRET", "OFFICIAL SENSITIVE"])
    return (
        f"Rewrite this email so it is shorter.\n\nClassification: {m}\nSubject: Budget pressures\n\n"
        + g.pick(OS_BODIES),
        [OS],
    )


@tpl("dev", "os-with-personal", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"OFFICIAL-SENSITIVE PERSONAL\n\nCase review\nCustomer: {p.full}, NINO {g.nino()}, {p.address}\n"
        f"Outcome: overpayment confirmed, refer to Debt Management.\n\nOFFICIAL-SENSITIVE PERSONAL\n\n"
        "Please summarise the outcome for the customer letter.",
        [OS, PD],
    )


# -- credentials -------------------------------------------------------------------------

@tpl("dev", "cred-aws", 8)
def _(g: Gen) -> Case:
    return (
        "boto3 keeps saying InvalidClientTokenId, what am I doing wrong?\n\n```python\nimport boto3\n"
        f"s3 = boto3.client('s3', aws_access_key_id='{g.aws_key_id()}',\n"
        f"                  aws_secret_access_key='{g.aws_secret()}', region_name='eu-west-2')\n"
        "print(s3.list_buckets())\n```",
        [CR],
    )


@tpl("dev", "cred-github", 8)
def _(g: Gen) -> Case:
    t = g.github()
    return g.pick([
        f"git push fails with 403. My remote is https://{t}@github.com/org/repo.git - why?",
        f"Why does this curl return 401?\ncurl -H 'Authorization: token {t}' https://api.github.com/user/repos",
        f"Add this token to our GitHub Actions workflow the right way: {t}",
    ]), [CR]


@tpl("dev", "cred-gitlab", 5)
def _(g: Gen) -> Case:
    return (f"How do I use a GitLab personal access token in pip's index URL? Mine is {g.gitlab()} "
            "and the registry is on our self-hosted GitLab.", [CR])


@tpl("dev", "cred-slack", 6)
def _(g: Gen) -> Case:
    t = g.slack()
    return f"My Slack bot stops posting after a few messages. Config:\n\nSLACK_TOKEN={t}\nCHANNEL=#ops-alerts\n\nIs it rate limiting?", [CR]


@tpl("dev", "cred-openai", 6)
def _(g: Gen) -> Case:
    return (f"Why does this script get a 429?\n\nfrom openai import OpenAI\nclient = OpenAI(api_key=\"{g.openai()}\")\n"
            "resp = client.chat.completions.create(model='gpt-4o-mini', messages=[{'role':'user','content':'hi'}])", [CR])


@tpl("dev", "cred-anthropic", 6)
def _(g: Gen) -> Case:
    return (f"export ANTHROPIC_API_KEY={g.anthropic()}\n\nI set this in .bashrc but the SDK still says "
            "authentication_error. What's wrong?", [CR])


@tpl("dev", "cred-jwt", 6)
def _(g: Gen) -> Case:
    return (f"Can you decode this JWT and tell me why the API says it has expired?\n\n{g.jwt()}", [CR])


@tpl("dev", "cred-private-key", 6)
def _(g: Gen) -> Case:
    return f"ssh says 'invalid format' for this key, what's wrong with it?\n\n{g.private_key()}", [CR]


@tpl("dev", "cred-connstring", 8)
def _(g: Gen) -> Case:
    return (f"SQLAlchemy can't connect, the error is 'could not translate host name'. "
            f"Connection string: {g.conn_string()}", [CR])


@tpl("dev", "cred-env-password", 4)
def _(g: Gen) -> Case:
    return (f"Docker compose doesn't pick up my .env file:\n\nPOSTGRES_USER=claims\nPOSTGRES_PASSWORD={g.password()}\n"
            "POSTGRES_DB=claims\n\nWhat's the right syntax?", [CR])


# -- evasion -------------------------------------------------------------------------------

@tpl("dev", "evasion-fullwidth-nino", 6)
def _(g: Gen) -> Case:
    return f"Please look up the claim for NI number {fullwidth(g.nino('c'))} and summarise the last three payments.", [PD]


@tpl("dev", "evasion-cyrillic-marking", 6)
def _(g: Gen) -> Case:
    m = confuse(g.pick(["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE: COMMERCIAL", "SECRET"]), CYRILLIC, g.r)
    return "Summarise:\n\n" + marked(g, m, g.pick(OS_BODIES)), [OS]


@tpl("dev", "evasion-greek-marking", 5)
def _(g: Gen) -> Case:
    m = confuse(g.pick(["OFFICIAL-SENSITIVE", "TOP SECRET"]), GREEK, g.r)
    return "Make this more concise:\n\n" + marked(g, m, g.pick(OS_BODIES), footer=False), [OS]


@tpl("dev", "evasion-zw-nino", 5)
def _(g: Gen) -> Case:
    p = g.person()
    return f"Customer {p.name}, NI {zero_width(g.nino('c'), g.r)}: draft the decision letter for {p.his} claim.", [PD]


@tpl("dev", "evasion-zw-marking", 4)
def _(g: Gen) -> Case:
    return "Summarise this:\n\n" + marked(g, zero_width("OFFICIAL-SENSITIVE", g.r, 3), g.pick(OS_BODIES)), [OS]


@tpl("dev", "evasion-letterspaced", 6)
def _(g: Gen) -> Case:
    m = letter_space(g.pick(["OFFICIAL-SENSITIVE", "OFFICIAL SENSITIVE", "SECRET"]))
    return "Tidy up this document:\n\n" + marked(g, m, g.pick(OS_BODIES)), [OS]


@tpl("dev", "evasion-base64", 6)
def _(g: Gen) -> Case:
    p = g.person()
    blob = b64(f"Name: {p.name}\nNINO: {g.nino('c')}\nDOB: {g.fmt_date(p.dob, 0)}")
    return f"What does this base64 say? I found it in a log file.\n\n{blob}", [PD]


@tpl("dev", "evasion-urlenc", 5)
def _(g: Gen) -> Case:
    p = g.person()
    q = url_all(f"nino={g.nino('c')}&email={g.email(p)}")
    return f"Why does this request return 400?\nGET https://portal.example.gov.uk/api/lookup?{q}", [PD]


@tpl("dev", "evasion-hex", 4)
def _(g: Gen) -> Case:
    return f"Decode this hex for me: {hexed('NHS number ' + g.nhs(''))}", [PD]


@tpl("dev", "evasion-fullwidth-email", 3)
def _(g: Gen) -> Case:
    p = g.person()
    return f"Write to {p.formal} at {fullwidth(g.email(p))} about {p.his} appointment.", [PD]


# -- allow: harmless ------------------------------------------------------------------------

HARMLESS_DEV = [
    "Draft a two-paragraph email to my team reminding them to complete mandatory data protection training by Friday.",
    "Summarise the main changes in the Procurement Act 2023 for a non-specialist audience.",
    "Write five interview questions for an Executive Officer role in a contact centre, using Success Profiles.",
    "What's the difference between a mandatory reconsideration and an appeal to a tribunal? Explain simply.",
    "Create an agenda for a 45-minute team away day focused on wellbeing and planning for next year.",
    "Rewrite this sentence to be more concise: 'It is considered to be the case that we will be in a position to deliver the project by the end of the financial year.'",
    "Give me an Excel formula that counts the number of cells in column B that are greater than 100 and less than 500.",
    "How do I calculate a weighted average in Excel?",
    "Suggest a structure for a business case using the Green Book five case model.",
    "Explain the Universal Credit taper rate and work allowance in plain English with a worked example.",
    "Write a friendly reminder for the office kitchen about washing up mugs.",
    "Draft a communications plan for launching a new internal intranet page about hybrid working.",
    "What are the GDS service standard points about accessibility?",
    "Turn these notes into a summary: discussed Q2 performance, clearance times improved by 8%, recruitment still behind plan, next meeting in June.",
    "Write a polite decline to a meeting invitation because of a clash with a board meeting.",
    "What does 'value for money' mean in a government spending context?",
    "Help me write a short introduction for myself for a new team's Teams channel. I work in policy and like cycling.",
    "Explain what a DPIA is and when a team must complete one.",
    "Give me ten tips for writing clear letters to members of the public.",
    "Create a RACI matrix template for a digital transformation project.",
    "Summarise the key differences between agile and waterfall delivery.",
    "How many working days are there between 1 April and 30 June 2025 in England, allowing for bank holidays?",
    "Suggest some icebreakers for a virtual team meeting of 12 people.",
    "Draft a risk register entry for the risk that a key supplier goes into administration.",
    "What is the difference between revenue and capital expenditure?",
    "Write a lessons-learned summary template for the end of a project.",
    "What are the main responsibilities of a Senior Responsible Owner?",
    "Proofread this: 'The team have ran three workshops and recieved positive feedback from stakeholders.'",
    "How should I structure a submission to a minister?",
    "Explain the difference between the Freedom of Information Act and a subject access request.",
    "Write a short poem to celebrate a colleague's retirement after 35 years in the civil service.",
    "What are good KPIs for a benefits processing centre?",
    "Explain the State Pension triple lock in two sentences.",
    "Suggest a title for a presentation on reducing fraud and error in the benefits system.",
    "Draft an FAQ for staff about the move to a new office building in the city centre.",
    "Summarise the key themes of the Civil Service People Survey for a team meeting.",
    "Give me a checklist for running an accessible online meeting.",
    "How do I write a good objective using the SMART framework?",
    "Explain what a Spending Review is.",
    "Write a short thank-you message to the volunteers who helped at the charity bake sale.",
    "What's the best way to structure a one-page briefing note?",
    "Create a simple Gantt chart plan in text for a 12-week project with discovery, alpha and beta phases.",
    "Explain the difference between HMRC's PAYE and Self Assessment systems.",
    "What is the purpose of a Memorandum of Understanding between two government departments?",
    "Summarise the principles of the Government Functional Standard for digital.",
    "Suggest plain-English alternatives for 'utilise', 'facilitate' and 'in order to'.",
    "Draft a welcome email for new starters joining the operations directorate next month.",
    "How does Child Benefit's High Income Charge work?",
    "What questions should I ask in a user research interview about an online form?",
    "Explain how to pivot a table in Excel to show totals by month.",
    "Write a short explanation of what an Arm's Length Body is.",
    "Rewrite this job advert so it's more inclusive and less jargon-heavy.",
    "What is the difference between a policy, a procedure and guidance?",
    "Suggest a process map for handling incoming correspondence, from receipt to reply.",
    "Give me a template for a decision log.",
    "How should I prepare for a Select Committee evidence session as a supporting official?",
    "What are the benefits and risks of using shared mailboxes for a casework team?",
    "Draft a short note explaining why the office will close early on Christmas Eve.",
    "What is a Target Operating Model and what does it usually include?",
    "Write an email inviting colleagues to a lunch-and-learn on Excel shortcuts.",
    "Explain how interest is calculated on late tax payments, in general terms.",
    "Summarise the advantages of hybrid working for a staff survey report.",
    "What's the best way to run a prioritisation session using MoSCoW?",
    "Write an elevator pitch for a new digital service that helps people check their eligibility for support.",
    "How do I write a good user story with acceptance criteria?",
    "Explain the purpose of the Public Accounts Committee.",
    "Give me a one-paragraph summary of the history of the welfare state in Britain.",
    "Create a template for a weekly team update email.",
    "What is the difference between accountability and responsibility in a project?",
    "Draft a short speech for opening a staff conference on customer service.",
    "How do I calculate full-time equivalent from part-time hours?",
    "List the stages of a typical government procurement from market engagement to contract award.",
    "Help me write feedback for a colleague who did a great job on a difficult project.",
    "Explain what 'machinery of government' changes are.",
    "What should be in a handover note when I go on long-term leave?",
    "Write an announcement that the canteen menu is changing next week.",
    "How does the Bank of England base rate affect government borrowing costs?",
    "What are common reasons a digital service fails a GDS assessment?",
    "Write a short checklist for clearing a press release.",
    "How do I use XLOOKUP instead of VLOOKUP?",
]


@tpl("dev", "harmless", 150)
def _(g: Gen) -> Case:
    base = g.pick(HARMLESS_DEV)
    if g.chance(0.3):
        base += " " + g.pick(["Keep it under 200 words.", "Use bullet points.", "Make it friendly.",
                              "British English please.", "Please be concise.", "Aim for a reading age of 9."])
    return base, []


PUBLIC_DEV = [
    "Winston Churchill", "Clement Attlee", "Margaret Thatcher", "Aneurin Bevan", "William Beveridge",
    "Florence Nightingale", "Isaac Newton", "Ada Lovelace", "Charles Darwin", "Alan Turing",
    "Emmeline Pankhurst", "Isambard Kingdom Brunel", "Queen Victoria", "Elizabeth I", "Tony Blair",
    "David Attenborough", "Tim Berners-Lee", "William Shakespeare", "Jane Austen", "Charles Dickens",
]


@tpl("dev", "public-figure", 45)
def _(g: Gen) -> Case:
    n = g.pick(PUBLIC_DEV)
    return g.pick([
        f"Who was {n} and why are they important in British history?",
        f"Give me three interesting facts about {n} for a pub quiz.",
        f"Summarise the main achievements of {n} in 100 words.",
        f"What did {n} contribute to public life in the UK?",
        f"Write a short paragraph on {n} for a Year 6 history worksheet.",
        f"Which famous quotes are attributed to {n}?",
    ]), []


@tpl("dev", "code-harmless", 40)
def _(g: Gen) -> Case:
    return g.pick([
        "How do I read a CSV into pandas and group by the 'region' column, summing 'claims'?",
        "Write a Python function that validates a UK postcode format using a regular expression.",
        f"Why does git say 'detached HEAD' after I checked out {g.sha1()[:12]}?",
        "My Flask app runs on http://127.0.0.1:5000 but I can't reach it from another machine. Why?",
        f"What does this SQL do?\nSELECT region, COUNT(*) FROM claims WHERE created_at >= '2024-04-01' GROUP BY region ORDER BY 2 DESC;",
        f"Is this a valid UUID v4? {g.uuid()}",
        f"The Docker image digest is sha256:{g.sha256()} - how do I pin it in a compose file?",
        "Explain Python list comprehensions with an example.",
        "How do I read the database password from an environment variable in Django settings instead of hard-coding it?",
        "Write a bash one-liner to count lines in all .py files in a directory.",
        "What's the difference between a LEFT JOIN and an INNER JOIN?",
        "How do I set up a Python virtual environment on Windows?",
        "Convert this to an f-string: 'Hello %s, you have %d messages' % (name, count)",
        "Why is my regex ^[A-Z]{2}\\d{6}[A-D]$ not matching lowercase input?",
        "Explain what a 502 Bad Gateway error from nginx usually means.",
        "Write a VBA macro that highlights duplicate values in column A.",
        "How do I configure SQLAlchemy using postgresql://localhost/mydb for local development?",
        "How should I store API keys for a small internal tool? We use Azure.",
        f"git log shows commit {g.sha1()} as the merge base; how do I rebase onto it?",
        "What does 'export AWS_PROFILE=dev' do and how does boto3 use it?",
    ]), []


@tpl("dev", "lookalike-checksum", 50)
def _(g: Gen) -> Case:
    kind = g.r.randrange(6)
    if kind == 0:
        return g.pick([
            f"Our order reference is {g.nhs_invalid()}. Can you write a chaser email to the supplier?",
            f"Tracking number {g.nhs_invalid('')} shows 'in transit' for nine days - draft a complaint to the courier.",
            f"The test fixture uses {g.nhs_invalid()} as an NHS number and the validator rejects it. Why?",
        ]), []
    if kind == 1:
        return g.pick([
            f"Our payment gateway test rejects {g.card_invalid()} - is that number supposed to fail the Luhn check?",
            f"Invoice reference {g.card_invalid(' ')} has been paid twice. Draft an email to accounts payable.",
        ]), []
    if kind == 2:
        return f"Why does our IBAN validator reject {g.iban_invalid()} in the unit tests?", []
    if kind == 3:
        return g.pick([
            f"The reference {g.utr_invalid()} on the supplier invoice doesn't match our PO. What should I check?",
            f"Is {g.utr_invalid()} a valid UTR? The online check says no.",
        ]), []
    if kind == 4:
        return g.pick([
            f"Our validator accepts {g.nino_invalid()} as a National Insurance number. Which prefix rule is it missing?",
            f"Is {g.nino_invalid()} a real NI number format? I'm writing test data.",
        ]), []
    return f"Product code {g.licence_invalid()} is missing from the stock list. Draft a note to the warehouse.", []


@tpl("dev", "plain-official", 25)
def _(g: Gen) -> Case:
    m = g.pick(["OFFICIAL", "OFFICIAL", "Classification: OFFICIAL", "Official"])
    return "Summarise this document:\n\n" + marked(g, m, g.pick(PLAIN_BODIES), footer=g.chance(0.6)), []


@tpl("dev", "marking-question", 25)
def _(g: Gen) -> Case:
    return g.pick([
        "What does OFFICIAL-SENSITIVE mean and when should I use it?",
        "Explain the difference between OFFICIAL and OFFICIAL-SENSITIVE under the Government Security Classifications Policy.",
        "Is RESTRICTED still a valid protective marking? It appears on some old files we are digitising.",
        "What handling rules apply to material classified as SECRET?",
        "Write a one-page guide for new starters on the three classification tiers: OFFICIAL, SECRET and TOP SECRET.",
        "Should an email that contains a customer's bank details be marked official-sensitive?",
        "When can the OFFICIAL-SENSITIVE descriptor COMMERCIAL be used?",
        "What does the caveat UK EYES ONLY mean on a document?",
        "Can I send an OFFICIAL-SENSITIVE document by ordinary email to another government department?",
        "How did the old CONFIDENTIAL marking map to the 2014 classification scheme?",
    ]), []


@tpl("dev", "special-general", 25)
def _(g: Gen) -> Case:
    return g.pick([
        "Summarise the nine protected characteristics in the Equality Act 2010.",
        "What reasonable adjustments can employers make for staff with dyslexia?",
        "Draft an Equality Analysis template covering disability, race, religion and sex.",
        "What are the common symptoms of long COVID?",
        "Write guidance for line managers on supporting staff going through the menopause.",
        "How does PIP assess mental health conditions? Explain in plain English.",
        "What is the prevalence of type 2 diabetes in England?",
        "Suggest inclusive language to use when talking about disability in public communications.",
        "Explain what the public sector equality duty requires of a government department.",
        "Give me an overview of support available for staff who are pregnant or on maternity leave.",
        "What are the main causes of workplace stress and how can managers reduce them?",
        "Summarise the guidance on religious observance during Ramadan for team planning.",
    ]), []


@tpl("dev", "aggregate-table", 20)
def _(g: Gen) -> Case:
    rows = ["Region,Claims received,Cleared,Median days"]
    for reg in g.r.sample(["North East", "North West", "Yorkshire", "Midlands", "London", "South West",
                           "Wales", "Scotland", "East"], 5):
        rows.append(f"{reg},{g.r.randint(1000, 90000)},{g.r.randint(500, 80000)},{g.r.randint(3, 40)}")
    return "Write a commentary on this performance table:\n\n" + "\n".join(rows), []


@tpl("dev", "words-in-prose", 15)
def _(g: Gen) -> Case:
    return g.pick([
        "What's the secret to writing a good executive summary?",
        "Where should confidential waste be disposed of in a shared office? Write a poster.",
        "Draft a sign for a restricted access area in the server room.",
        "Write a short story about a secret garden for a colleague's child.",
        "How do I keep a surprise party secret from my manager?",
        "Explain what a confidentiality agreement is in plain English.",
        "Our car park has restricted parking on Fridays. Write an email reminding staff.",
        "Is it true that the top secret ingredient in Irn-Bru is unknown?",
    ]), []


@tpl("dev", "dates-money", 20)
def _(g: Gen) -> Case:
    d = g.fmt_date(g.recent_date())
    return g.pick([
        f"The project deadline is {d}. Draft a plan working back from that date.",
        f"Our budget is {g.r.randint(10, 900)},000 pounds for {g.r.randint(2024, 2027)}/{g.r.randint(25, 28)}. Suggest how to present the spend profile.",
        f"Meeting moved to {d} at 10:30. Write a note to attendees.",
        f"How many weeks are there between {d} and the end of the financial year?",
        f"Section {g.r.randint(2, 90)}({g.r.randint(1, 6)}) of the Welfare Reform Act 2012 - what does it cover?",
    ]), []


@tpl("dev", "colleague-firstname", 10)
def _(g: Gen) -> Case:
    n = g.f.first_name()
    return g.pick([
        f"Write a thank-you note to {n} for organising the team away day.",
        f"Draft a message congratulating {n} on passing the project management exam.",
        f"Help me reply to {n}'s email about moving the planning meeting to Thursday.",
    ]), []


@tpl("dev", "cred-lookalike", 20)
def _(g: Gen) -> Case:
    return g.pick([
        "How do I read OPENAI_API_KEY from the environment instead of putting it in the code?",
        f"Is this a public certificate or a private key?\n\n-----BEGIN CERTIFICATE-----\n{base64.b64encode(g.r.randbytes(192)).decode()}\n-----END CERTIFICATE-----",
        "Replace sk-your-key-here with your own key in the example - is that safe to commit?",
        "My connection string is postgres://user:${PGPASSWORD}@localhost:5432/app - how do I make psql expand it?",
        f"What's this hash? {g.sha256()}",
        "The docs say to set aws_secret_access_key in ~/.aws/credentials. Where is that file on Windows?",
        f"Why is the ETag header {g.r.randbytes(16).hex()} different on every deploy?",
        "How do I rotate a GitHub personal access token safely?",
        f"-----BEGIN PUBLIC KEY-----\n{base64.b64encode(g.r.randbytes(120)).decode()}\n-----END PUBLIC KEY-----\n\nWhich algorithm is this public key?",
    ]), []


@tpl("dev", "localhost-ip", 8)
def _(g: Gen) -> Case:
    return g.pick([
        "Why can't I reach my dev server on 127.0.0.1:8000 from WSL?",
        "Explain what 0.0.0.0 means when a service listens on it.",
        "Is 192.168.1.1 always the router address on a home network?",
        "How do I set a static IP like 10.0.0.5 on Ubuntu with netplan?",
    ]), []


@tpl("dev", "postcode-context", 8)
def _(g: Gen) -> Case:
    _, pc = g.town_postcode()
    return g.pick([
        f"The claimant lives at {pc} - which jobcentre should {g.pick(['she', 'he'])} be transferred to?",
        f"Customer has moved to postcode {pc}; does that change which council handles the housing element?",
        f"Home visit needed for a vulnerable customer at {pc}. Draft the visit request.",
    ]), [PD]


# ======================================================================================
# HOLDOUT templates (disjoint wording and shapes; different seed)
# ======================================================================================

@tpl("holdout", "homeoffice-summary", 14)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Immigration casework summary - please condense to 5 lines.\nApplicant: {p.name}\n"
        f"Passport: {g.passport()} (issued {g.r.randint(2015, 2023)})\nDate of birth: {g.fmt_date(p.dob)}\n"
        f"Current address: {p.address}\nApplication type: further leave to remain. Supporting evidence "
        f"received; biometric appointment attended; awaiting decision.",
        [PD],
    )


@tpl("holdout", "hmrc-compliance", 14)
def _(g: Gen) -> Case:
    p = g.person()
    u = g.utr()
    return g.pick([
        (f"Rewrite this compliance check opening letter in a friendlier tone.\n\nDear {p.formal}\nYour UTR: {u}\n"
         f"We are checking your 2022-23 Self Assessment return. Please send records of your rental income.", [PD]),
        (f"Can you explain the penalty regime to this taxpayer? Ref UTR {u}. They filed 4 months late.", [PD]),
    ])


@tpl("holdout", "nhs-discharge", 14)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Discharge summary - make it readable for the patient.\nPatient: {p.first} {p.last.upper()}\n"
        f"NHS: {g.nhs('-' if g.chance(0.4) else ' ')}\nAdmitted with chest pain; {special(g, p)}. "
        f"Follow-up with GP in 2 weeks.",
        [PD, SC],
    )


@tpl("holdout", "dvla-letter", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Correct any grammar issues: 'We write regarding licence number {g.licence(p)}. The medical "
        f"questionnaire you returned is incomplete. Please complete section 4 and return within 21 days.'",
        [PD],
    )


@tpl("holdout", "child-maintenance", 12)
def _(g: Gen) -> Case:
    a, b = g.person(), g.person()
    return (
        f"Child Maintenance case: paying parent {a.name} ({g.nino('htl')}), receiving parent {b.name}. "
        f"The paying parent disputes the income figure. How should I explain the calculation to both?",
        [PD],
    )


@tpl("holdout", "council-tax", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Council tax reduction query from the resident at {p.street}, {p.postcode}. They say their "
        f"Universal Credit has stopped. What evidence do we need?",
        [PD],
    )


@tpl("holdout", "json-payload", 12)
def _(g: Gen) -> Case:
    p = g.person()
    payload = {"customer": {"forename": p.first, "surname": p.last, "dateOfBirth": p.dob.isoformat(),
                            "contact": {"mobile": g.mobile(), "email": g.email(p)}},
               "claimRef": f"UC-{g.digits(7)}"}
    return "This API call returns 422, what field is wrong?\n\n" + json.dumps(payload, indent=2), [PD]


@tpl("holdout", "log-lines", 10)
def _(g: Gen) -> Case:
    lines = []
    for _ in range(g.r.randint(3, 6)):
        lines.append(f"2024-0{g.r.randint(1, 9)}-1{g.r.randint(0, 9)}T1{g.r.randint(0, 9)}:0{g.r.randint(0, 9)}:11Z INFO "
                     f"login ok user={g.email()} src={g.f.ipv4_public()}")
    return "Is there anything suspicious in these logs?\n\n" + "\n".join(lines), [PD]


@tpl("holdout", "teams-chat", 12)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"[10:02] Work coach: has anyone dealt with a customer whose payment went to an old account?\n"
        f"[10:04] Team leader: what are the details?\n[10:05] Work coach: {p.name}, sort code "
        f"{g.sort_code()}, acc {g.account()}, says {p.he} closed it in March\n\nSummarise this chat for the escalation log.",
        [PD],
    )


@tpl("holdout", "bank-iban-card", 12)
def _(g: Gen) -> Case:
    return g.pick([
        f"Supplier remittance failed. Beneficiary (sole trader) IBAN: {g.iban(False)}. Draft the note to finance.",
        f"Customer disputes a charge on {g.card('-')}. Write the chargeback summary.",
        f"Pls refund via card no {g.card('')}, customer authorised on the phone",
    ]), [PD]


@tpl("holdout", "contact-mix", 14)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Text for SMS to {g.mobile()}: reminder of appointment at the jobcentre on Tuesday at 9:40.",
        f"Mail merge row: {p.title},{p.first},{p.last},{p.street},{p.town},{p.postcode}",
        f"Proof this signature block from a customer letter:\n{p.name}\n{p.street}\n{p.town} {p.postcode}\nTel: {g.landline()}",
        f"Contact me on {g.email(p)} or {g.phone()} - from a claimant's journal entry, how should I respond?",
    ]), [PD]


@tpl("holdout", "nino-shapes", 14)
def _(g: Gen) -> Case:
    return g.pick([
        f"The scanned form shows NI No: {g.nino('htul')}. Is that the right format for the system?",
        f"Customer typed their national insurance as {g.nino('l')} in the online form, will it still match?",
        f"Record search: {g.nino('tu')}. Write a note for the file that the search found no duplicates.",
    ]), [PD]


@tpl("holdout", "dob-forms", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"d.o.b. {g.fmt_date(p.dob, 3)} - customer wants to know when {p.he} can claim pension. Explain.",
        f"{p.first} was born on {g.fmt_date(p.dob, 1)} and wants to apply for a Budgeting Advance. Draft the guidance reply.",
    ]), [PD]


@tpl("holdout", "name-journal", 14)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Journal entry from {p.name}: 'I can't attend my appointment because my child is ill.' Draft a reply accepting good reason.",
        f"Tribunal bundle index for the appeal of {p.full} against the decision to stop {p.his} {g.pick(BENEFITS)}: please list what should be included.",
        f"Complaint from {p.full}: {p.he} was kept on hold for 90 minutes and then cut off. Draft an apology.",
    ]), [PD]


@tpl("holdout", "sc-variants", 18)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Equality monitoring note for {p.name}'s grievance: {special(g, p)}. Summarise the relevant considerations.",
        f"Vulnerability flag for {p.full}, DOB {g.fmt_date(p.dob)} - {special(g, p)}. Write the flag text.",
        f"{p.first} {p.last} from my team has asked for a phased return; {special(g, p)}. Draft the plan.",
    ]), [PD, SC]


@tpl("holdout", "os-forms", 28)
def _(g: Gen) -> Case:
    m = g.pick(MARKINGS_HOLDOUT)
    body = g.pick(OS_BODIES_HOLDOUT)
    style = g.r.randrange(3)
    if style == 0:
        text = f"Subject: [{m}] Update for the board\n\n{body}"
    elif style == 1:
        text = f"{body}\n\n{m}"
    else:
        text = f"{m}\n{body}"
    return g.pick(["Please summarise:", "Draft a shorter version:", "Bullet point this:"]) + "\n\n" + text, [OS]


@tpl("holdout", "cred-mix", 40)
def _(g: Gen) -> Case:
    kind = g.r.randrange(9)
    if kind == 0:
        return f"[default]\naws_access_key_id = {g.aws_key_id()}\naws_secret_access_key = {g.aws_secret()}\n\nwhich region is used by default?", [CR]
    if kind == 1:
        return f"GITHUB_TOKEN: {g.github()}\n\nIs this the right place in the workflow YAML?", [CR]
    if kind == 2:
        return f"pip install --index-url https://__token__:{g.gitlab()}@gitlab.example.gov.uk/api/v4/projects/12/packages/pypi/simple mypkg fails, why?", [CR]
    if kind == 3:
        return f"requests.post('{g.slack()}', json={{'text': 'deploy done'}}) returns 404", [CR]
    if kind == 4:
        return f"headers = {{'Authorization': 'Bearer {g.openai()}'}} - is this the right header for the API?", [CR]
    if kind == 5:
        return f"client = anthropic.Anthropic(api_key='{g.anthropic()}')  # why does this fail in CI?", [CR]
    if kind == 6:
        return f"Authorization: Bearer {g.jwt()}\n\nThe API returns 403 with this header, what's in the token?", [CR]
    if kind == 7:
        return f"deploy key for the runner:\n{g.private_key()}\nhow do I add it to ssh-agent?", [CR]
    return f"DATABASE_URL={g.conn_string()}\nwhy does Heroku not read this?", [CR]


@tpl("holdout", "evasion-mix", 36)
def _(g: Gen) -> Case:
    kind = g.r.randrange(9)
    p = g.person()
    if kind == 0:
        return f"Claimant {p.name}, NI number {confuse(g.nino('c'), CYRILLIC, g.r, 1.0)}, wants a statement of {p.his} payments.", [PD]
    if kind == 1:
        return f"{confuse('OFFICIAL-SENSITIVE', GREEK, g.r, 0.5)}\n\n{g.pick(OS_BODIES_HOLDOUT)}\n\nSummarise the above.", [OS]
    if kind == 2:
        return f"Decode and summarise: {b64('OFFICIAL-SENSITIVE' + chr(10) + g.pick(OS_BODIES_HOLDOUT))}", [OS]
    if kind == 3:
        return f"Card for the refund: {zero_width(g.card(''), g.r, 4)}. Write the confirmation.", [PD]
    if kind == 4:
        return f"NHS {fullwidth(g.nhs(' '))} - appointment letter for {p.formal}, please draft.", [PD]
    if kind == 5:
        return f"{letter_space(g.pick(['TOP SECRET', 'OFFICIAL-SENSITIVE']))}\n\n{g.pick(OS_BODIES_HOLDOUT)}", [OS]
    if kind == 6:
        return f"What's in this payload? {hexed(json.dumps({'nino': g.nino_compact(), 'name': p.name}), ' ')}", [PD]
    if kind == 7:
        return f"Error on redirect: /callback?data={urllib.parse.quote(json.dumps({'email': g.email(p), 'phone': g.mobile()}))}", [PD]
    return f"Why is this env var ignored? AWS_SECRET_ACCESS_KEY_B64={b64('aws_secret_access_key=' + g.aws_secret())}", [CR]


@tpl("holdout", "os-plus-pd", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return (
        f"Security classification: OFFICIAL-SENSITIVE\nHR case file: {p.name}, staff number {g.digits(7)}, "
        f"home address {p.address}. Disciplinary hearing outcome: final written warning.\n\nDraft the outcome letter.",
        [OS, PD],
    )


HARMLESS_HOLDOUT = [
    "What are the pros and cons of a four-day working week pilot in a government department?",
    "Write a short LinkedIn post celebrating our team's Civil Service Award nomination.",
    "Help me plan a lessons-learned workshop for 20 people, two hours, hybrid.",
    "Explain the Barnett formula in simple terms.",
    "Give me a template for a monthly performance dashboard commentary.",
    "How do I write an effective email subject line for busy senior leaders?",
    "Draft terms of reference for a cross-government working group on data sharing.",
    "Summarise the role of the National Audit Office.",
    "What is the difference between a White Paper and a Green Paper?",
    "Explain inflation and how CPI differs from RPI.",
    "Make this paragraph more persuasive: 'We think the new process could save some time for staff.'",
    "List 8 ways to make a PowerPoint slide more accessible.",
    "How do I run a retrospective for a team that has had a difficult quarter?",
    "Write an out-of-office message for two weeks of annual leave.",
    "Suggest a structure for a 10-minute presentation on the benefits of automation in casework.",
    "What does the Treasury's Managing Public Money say about novel and contentious spending?",
    "How is the National Living Wage set each year?",
    "Draft a short intranet news item about the new cycle-to-work scheme.",
    "Explain how a tribunal hearing for a benefits appeal usually runs, in general terms.",
    "Give me a Power BI DAX measure for year-to-date totals.",
    "What is a service level agreement and what should it include?",
    "Generate 5 options for a name for our new internal newsletter.",
    "How should I prioritise a backlog of 300 correspondence items with a small team?",
    "Write guidance on how to take good meeting minutes.",
    "What is the Civil Service Code and what are its four values?",
    "Summarise the 'Make Work Pay' policy debate in neutral terms.",
    "Draft a polite chaser to a policy team who haven't responded to our consultation request.",
    "Explain Universal Credit's two-child limit in neutral terms.",
    "Suggest how to structure a fortnightly one-to-one with a new team member.",
    "Translate 'Your appointment has been moved' into Welsh.",
    "What are the principles of good regulation?",
    "Give me an example of a theory of change diagram described in words.",
    "Explain what a benefits realisation plan is.",
    "Draft a short paragraph for a job application about a time I led change.",
    "How can we reduce the number of unnecessary meetings in our directorate?",
    "Write guidance on naming conventions for shared drive folders.",
    "What are the differences between the devolved administrations' responsibilities for welfare?",
    "Give me a structure for a post-implementation review.",
    "Explain 'nudge' techniques and how they've been used in tax compliance, with public examples.",
    "What is a counterfactual in impact evaluation?",
    "Write a short note encouraging staff to take their annual leave before the year end.",
    "How should I structure a data sharing agreement, at a high level?",
    "Summarise the Nolan principles of public life.",
    "Convert 37.5 hours a week into an annual figure for a business case.",
    "Draft a simple onboarding plan for the first two weeks of a new analyst.",
    "Explain what a median is versus a mean, with a simple example.",
    "Write a short intro for a guide on using plain English in letters.",
    "What are the main risks of running a legacy IT system past end of support?",
    "Suggest how to celebrate National Inclusion Week as a team.",
    "Give me five tips for managing a hybrid team fairly.",
]


@tpl("holdout", "harmless", 110)
def _(g: Gen) -> Case:
    return g.pick(HARMLESS_HOLDOUT), []


PUBLIC_HOLDOUT = [
    "Harold Wilson", "Benjamin Disraeli", "William Gladstone", "Mary Seacole", "Rosalind Franklin",
    "Michael Faraday", "Octavia Hill", "Robert Peel", "Elizabeth Fry", "Nye Bevan", "John Maynard Keynes",
    "Barbara Castle", "Lloyd George", "Stephen Hawking", "Marie Curie", "Edward Jenner",
]


@tpl("holdout", "public-figure", 30)
def _(g: Gen) -> Case:
    n = g.pick(PUBLIC_HOLDOUT)
    return g.pick([
        f"Explain in simple terms what {n} is remembered for.",
        f"I'm giving a talk on the history of public service. What would {n} have thought about the welfare state?",
        f"Timeline of {n}'s life, major milestones only.",
        f"Was {n} ever involved in social reform? Give sources I could look up.",
    ]), []


@tpl("holdout", "lookalike-2", 36)
def _(g: Gen) -> Case:
    kind = g.r.randrange(5)
    if kind == 0:
        return f"Case reference {g.nhs_invalid('-')} was closed in error. Write a note to reopen it.", []
    if kind == 1:
        return f"Sandbox test card {g.card_invalid('')} should be declined - write the test description.", []
    if kind == 2:
        return f"Example IBAN for the training slides: {g.iban_invalid()} (deliberately invalid). Is that OK to use?", []
    if kind == 3:
        return f"Our PO numbers look like {g.utr_invalid()}; write a regex that matches them.", []
    return f"Training material example NI number: {g.nino_invalid()} - confirm it's an invalid one we can publish.", []


@tpl("holdout", "official-plain", 18)
def _(g: Gen) -> Case:
    style = g.r.randrange(3)
    body = g.pick(PLAIN_BODIES_HOLDOUT)
    if style == 0:
        return f"Subject: [OFFICIAL] Team news\n\n{body}\n\nShorten this please.", []
    if style == 1:
        return f"{body}\n\nOFFICIAL\n\nProofread the above.", []
    return f"Protective marking: OFFICIAL\n{body}\nWhat are the key actions?", []


@tpl("holdout", "marking-question-2", 18)
def _(g: Gen) -> Case:
    return g.pick([
        "Who decides whether something is marked official sensitive?",
        "Our template footer says OFFICIAL - do I need to change it to OFFICIAL-SENSITIVE for HR cases?",
        "In the GSCP, is TOP SECRET used for anything a normal caseworker would see?",
        "Explain what the descriptor 'PERSONAL' adds to an OFFICIAL-SENSITIVE marking.",
        "Why did government stop using the RESTRICTED and CONFIDENTIAL markings in 2014?",
        "Can AI tools be used with documents marked SECRET? What does policy say?",
    ]), []


@tpl("holdout", "special-general-2", 18)
def _(g: Gen) -> Case:
    return g.pick([
        "How can we make our offices more accessible for wheelchair users?",
        "What support is available through Access to Work for people with hearing loss?",
        "Summarise NICE guidance on managing depression in adults, at a high level.",
        "Draft an inclusive policy on prayer rooms in the workplace.",
        "What does the Gender Recognition Act 2004 do?",
        "Give me statistics sources on disability employment rates in the UK.",
    ]), []


@tpl("holdout", "code-harmless-2", 30)
def _(g: Gen) -> Case:
    return g.pick([
        "Write a pytest fixture that creates a temporary SQLite database.",
        "How do I paginate results in a Django REST framework viewset?",
        "What's wrong with: for i in range(len(items)): print(items[i+1])",
        f"Our container is tagged {g.sha1()[:7]}; how do I find which commit that is?",
        "Explain async/await in Python with a tiny example.",
        "How do I load secrets from Azure Key Vault in a Function App?",
        "Write a regex to match a UK mobile number starting 07 with 11 digits.",
        f"Request ID {g.uuid()} appears in the error - how do I trace it in App Insights?",
        "How do I set 'password' as a required field in a JSON schema?",
        "Kubernetes secret values must be base64 - how do I create one from a file with kubectl?",
    ]), []


@tpl("holdout", "stats-text", 16)
def _(g: Gen) -> Case:
    return (
        f"Turn into prose: In Q{g.r.randint(1, 4)} we cleared {g.r.randint(10, 99)},{g.r.randint(100, 999)} claims "
        f"({g.r.randint(60, 99)}% within target). Complaints fell by {g.r.randint(1, 30)}%. Average call wait "
        f"was {g.r.randint(2, 25)} minutes.", []
    )


@tpl("holdout", "colleague-2", 8)
def _(g: Gen) -> Case:
    n = g.f.first_name()
    return g.pick([
        f"Can you make my reply to {n} sound less abrupt? 'Noted, will pick up tomorrow.'",
        f"{n} asked me to review the slides before Monday - write a quick yes.",
    ]), []


# ======================================================================================
# Build
# ======================================================================================

SEEDS = {"dev": 20240611, "holdout": 77031}


# ======================================================================================
# Whom the context is about (issue 12): personal data as people write it, and the
# public / fictional / toy / placeholder look-alikes. Appended last in each bank, so the
# families above draw the same values as before.
# ======================================================================================

OFFICIALS = ["Minister for Employment", "Secretary of State for Work and Pensions", "Chancellor",
             "Shadow Work and Pensions Secretary", "Treasury minister", "chief executive"]
AGENCIES = ["Reuters", "the Press Association", "the BBC", "Sky News"]


@tpl("dev", "named-officer-warning", 8)
def _(g: Gen) -> Case:
    p = g.person()
    issue = g.pick(["repeated lateness", "failure to attend three rostered shifts",
                    "inappropriate comments to a colleague", "misuse of the case management system"])
    return g.pick([
        f"Draft a formal warning letter for officer {p.name} about {p.his} {issue}.",
        f"Write a first written warning for {p.name} (EO, Leeds) for {issue}. Keep it factual.",
        f"{p.name} has a final written warning on file for {issue}; draft the outcome letter.",
    ]), [PD]


@tpl("dev", "couple-pension", 8)
def _(g: Gen) -> Case:
    p = g.person()
    a, b = g.r.randint(150, 230), g.r.randint(90, 180)
    return (f"Pension Credit calculation for {p.title if p.title in ('Mr', 'Mrs') else 'Mr'} and "
            f"Mrs {p.last}: his State Pension is £{a}.{g.r.randint(10, 99)} a week and hers is "
            f"£{b}.{g.r.randint(10, 99)}. They have £{g.r.randint(2, 16)},000 in savings. "
            f"Work out the guarantee credit."), [PD]


@tpl("dev", "payee-capitals", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"paid in error to {p.first.upper()} {p.last.upper()} acc no {g.account()} sc {g.sort_code()} pls recover",
        f"Overpayment issued to {p.first.upper()} {p.last.upper()}, account {g.account()}, sort code {g.sort_code()}.",
    ]), [PD]


@tpl("dev", "colleague-reference", 8)
def _(g: Gen) -> Case:
    p = g.person()
    fact = g.pick([f"{p.he} had a long sickness absence last year",
                   f"{p.he} was dismissed for gross misconduct", f"{p.he} is on a performance improvement plan"])
    return f"Please write a job reference for my colleague {p.name}. Be honest: {fact}.", [PD]


@tpl("dev", "claimant-child-condition", 8)
def _(g: Gen) -> Case:
    p = g.person()
    child = g.f.first_name()
    cond = g.pick(["cerebral palsy", "autism", "epilepsy", "type 1 diabetes", "a learning disability"])
    return (f"The claimant {p.name} says {p.his} son {child} has {cond} and needs care at night. "
            f"What can {p.he} claim?"), [PD, SC]


@tpl("dev", "colleague-politics-faith", 10)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"My colleague {p.name} spends weekends canvassing for the Green Party and talks politics at work. How do I handle it?",
        f"{p.name} in my team is a union rep; how much time off can {p.he} have for union duties?",
        f"{p.name} keeps the Sabbath and cannot work Friday evenings; draft a reply agreeing the shift change.",
        f"{p.name} has asked for prayer breaks during Ramadan. Can we accommodate this on the rota?",
    ]), [PD, SC]


@tpl("dev", "pronoun-carry", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"I met {p.name} at the jobcentre today. {cap(p.he)} told me {p.he} has been evicted "
            f"and is sofa surfing with friends."), [PD]


@tpl("dev", "public-figure-news", 10)
def _(g: Gen) -> Case:
    name = f"{g.f.first_name()} {g.f.last_name()}"
    return (f"Summarise this article: The {g.pick(OFFICIALS)}, {name}, said on Tuesday that "
            f"Universal Credit sanctions would be reviewed. \"We will act,\" {name.split()[1]} told "
            f"reporters, according to {g.pick(AGENCIES)}. Officials said the benefit cap would rise."), []


@tpl("dev", "fiction-character", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Write a short story about a nurse called {p.name} who is diagnosed with {g.pick(HEALTH)}.",
        f"Let's role-play: you are {p.name}, a claimant who has been sanctioned. I am your work coach.",
        f"Imagine a fictional character, {p.name}, who lives in {p.town} and has rent arrears. Describe {p.his} day.",
    ]), []


@tpl("dev", "code-toy-record", 8)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"Write a Python function that parses this JSON string and prints the name: "
            f'{{"name": "{p.name}", "dob": "{p.dob.isoformat()}", "address": "123 Main Street"}}'), []


@tpl("dev", "placeholder-example", 8)
def _(g: Gen) -> Case:
    return g.pick([
        "Claimant Joe Bloggs has been sanctioned and is in rent arrears. What is the hardship process?",
        "In the training scenario John Doe claims Universal Credit with NINO QQ 12 34 56 C.",
        "Example mobile format for the help text: 07700 900123.",
        "Use Jane Doe, 123 Main Street as the sample customer in the form guidance.",
    ]), []


@tpl("dev", "headings-tables", 8)
def _(g: Gen) -> Case:
    word = g.pick(["Governance", "Moderate", "Alpha", "Inherent Risk", "Executive Summary"])
    return (f"## {word}\n| Area | Status |\n|---|---|\n| {word} | Amber |\n| Diagnosis backlog | Red |\n\n"
            f"Summarise the mental health and disability service risks above."), []


@tpl("holdout", "officer-conduct", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"Can you tidy up this note: {p.formal} ({p.name}) received a verbal warning for "
            f"timekeeping on {g.fmt_date(g.recent_date())}; next review in 3 months."), [PD]


@tpl("holdout", "household-pensions", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"{p.first} and {g.f.first_name_female()} {p.last} get £{g.r.randint(150, 230)} and "
            f"£{g.r.randint(90, 180)} State Pension a week. Are they due Pension Credit?"), [PD]


@tpl("holdout", "family-condition", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"Reply to {p.name}: {p.his} daughter has {g.pick(HEALTH)} and {p.he} wants to know "
            f"about Carer's Allowance."), [PD, SC]


@tpl("holdout", "staff-beliefs", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return g.pick([
        f"Line manager query: {p.name} is a Labour party activist and wants leave for the election campaign.",
        f"{p.name} observes Shabbat; can {p.he} swap the Friday late shift?",
        f"{p.name} is a shop steward for PCS and has asked for facility time.",
    ]), [PD, SC]


@tpl("holdout", "news-minister", 6)
def _(g: Gen) -> Case:
    name = f"{g.f.first_name()} {g.f.last_name()}"
    return (f"Give me three bullet points: Prime Minister {name} announced on Monday that the "
            f"state pension would rise by 4%, Reuters reported. Critics said pensioners in debt "
            f"would see little benefit, the BBC said."), []


@tpl("holdout", "story-roleplay", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"For a training role play, pretend to be {p.name}, an anxious customer whose "
            f"{g.pick(BENEFITS)} payment is late. Stay in character."), []


@tpl("holdout", "sql-toy-rows", 6)
def _(g: Gen) -> Case:
    p = g.person()
    return (f"Write an SQL query to insert this row into the customers table: "
            f"('{p.name}', '{p.dob.isoformat()}', '123 Main St')"), []


# ======================================================================================
# Departmental prompts as staff write them (issue 12, second pass): lower-case names,
# later mentions by forename, "they" for names given together, greetings, a forename with
# a workplace, questions that state a fact, framing words around a colleague, other
# languages, markings in any case and look-alike spellings; and their harmless twins.
# Appended last so every family above draws the same values as before.
# ======================================================================================

WORK_ISSUES = ["repeated lateness", "two unauthorised absences", "leaving shifts early",
               "sharing a password with a temp"]
TEAMS = ["payroll", "the Bootle office", "the contact centre", "finance", "the Leeds team"]
WELSH_HEALTH = ["iselder", "canser", "gorbryder", "sglerosis ymledol"]
SPANISH_HEALTH = ["esclerosis múltiple", "depresión", "esquizofrenia", "epilepsia"]


def _lower_case(p: Person) -> str:
    return f"{p.first.lower()} {p.last.lower()}"


#: wording that differs between the banks (dev and hold-out share no text)
NOTE = {"dev": "note for the Director:", "holdout": "brief for the Permanent Secretary -"}
ITS = {"dev": "pls summarise, its official sensitive so keep it tight:",
       "holdout": "tidy this up, it's official sensitive so no names:"}
SAMPLE = {"dev": "Sample data for the slide:", "holdout": "test data (not real) for the deck:"}
FIGURES = {
    "dev": ["Was Abraham Lincoln depressed during the civil war?",
            "Did Winston Churchill suffer from depression?",
            "Write a short biography of Stephen Hawking, including his illness."],
    "holdout": ["Did Vincent van Gogh have epilepsy?", "Was Beethoven deaf when he wrote the ninth?",
                "Explain how Franklin D. Roosevelt's polio shaped his presidency."],
}
JOKES = {
    "dev": ["top secret - my recipe for flapjacks is golden syrup and patience",
            "Here is a sneak peek of next year's menu (top secret!) for the team social."],
    "holdout": ["top secret - the biscuit tin is behind the printer",
                "Our quiz team name (top secret!) will be revealed on Friday."],
}


for _bank, _n in (("dev", 8), ("holdout", 5)):

    @tpl(_bank, "lower-case-casework", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return g.pick([
            (f"tidy this case note: rang {_lower_case(p)} re rent arrears of £{g.r.randint(300, 2400)}, "
             f"{p.he} is behind since {p.his} hours were cut", [PD]),
            (f"pls draft a first written warning for {_lower_case(p)} about {g.pick(WORK_ISSUES)}", [PD]),
            (f"journal entry: {_lower_case(p)} missed the work search review, says {p.he} was at A&E",
             [PD, SC]),
        ])

    @tpl(_bank, "minutes-forename-later", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p, q = g.person(), g.person()
        return (f"Minutes of team meeting {g.r.randint(1, 28)} {g.pick(MONTHS)}. Present: {p.name}, "
                f"{q.name}. Item 2: {p.first} is off sick with {g.pick(HEALTH)}; cover agreed "
                f"until the end of the month. Item 3: rota."), [PD, SC]

    @tpl(_bank, "coordinated-they", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p, q = g.person(), g.person()
        return (f"The partners in {q.last} Lettings are {p.name} and {q.name}. They are both "
                f"under investigation for housing benefit fraud. Summarise for the file."), [PD]

    @tpl(_bank, "greeted-colleague", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return (f'Make this kinder: "Hi {p.first}, your absences this year are all for '
                f'{g.pick(HEALTH)} and we now have to hold a stage 2 meeting."'), [PD, SC]

    @tpl(_bank, "forename-workplace", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return (f"{p.first} in {g.pick(TEAMS)} {g.pick(DISABILITY)} and has asked for a new "
                f"desk; draft the request to facilities."), [PD, SC]

    @tpl(_bank, "question-stating-fact", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return g.pick([
            f"What adjustments can we offer {p.name}, who has {g.pick(HEALTH)}?",
            f"Is {p.name} from {g.pick(TEAMS)} entitled to extra leave for {p.his} {g.pick(HEALTH)}?",
        ]), [PD, SC]

    @tpl(_bank, "framed-colleague", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return g.pick([
            f"{SAMPLE[b]} {p.name}, {g.pick(HEALTH)}, {g.pick(TEAMS)}.",
            f"Role play: you are HR. {p.name}, who has {g.pick(HEALTH)}, asks for home working.",
        ]), [PD, SC]

    @tpl(_bank, "welsh-spanish-health", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        p = g.person()
        return g.pick([
            f"Mae gan {p.name} {g.pick(WELSH_HEALTH)} ac mae angen llythyr arno.",
            f"{p.name} tiene {g.pick(SPANISH_HEALTH)} y necesita una carta para su jefe.",
        ]), [PD, SC]

    @tpl(_bank, "marking-any-case-line-start", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        mark = g.pick(["Official Sensitive", "official-sensitive", "OFFSEN", "0FFICIAL-SENSITIVE",
                       "**OFFICIAL**-**SENSITIVE**", "(marked official sensitive)"])
        return (f"{mark} - {NOTE[b]} the {g.pick(PLACES)[0]} site closes in "
                f"{g.pick(MONTHS)} and {g.r.randint(20, 90)} posts go."), [OS]

    @tpl(_bank, "marking-prose-its", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        return (f"{ITS[b]} options for the "
                f"{g.pick(PLACES)[0]} estate, {g.r.randint(2, 5)} sites affected."), [OS]

    @tpl(_bank, "harmless-figure-question", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        return g.pick([
            *FIGURES[b],
        ]), []

    @tpl(_bank, "harmless-top-secret-joke", _n)
    def _(g: Gen, b: str = _bank) -> Case:
        return g.pick([
            *JOKES[b],
            f"The venue is 3 Crown Court centres in {g.pick(PLACES)[0]}, chosen for the pilot.",
            "How many rows are OFFICIAL_SENSITIVE? Write a pandas one-liner that counts them.",
            f"{g.f.first_name()} has MS Teams on the new laptop; write the rollout note.",
        ]), []


PREFIXES = ["", "", "", "Quick question: ", "Hi, ", "Can you help? ", "Morning! ", "Please help: "]
SUFFIXES = ["", "", "", " Thanks.", " Keep it brief.", " Use bullet points.", " British English please.",
            " Thanks in advance!", " Aim for a reading age of 9."]


def build(bank: str) -> list[dict]:
    """Each family yields up to ``count`` distinct texts (exact duplicates are re-drawn)."""
    g = Gen(SEEDS[bank])
    cases: list[dict] = []
    seen: set[str] = set()
    for family, count, fn in BANKS[bank]:
        made, attempts = 0, 0
        while made < count and attempts < count * 20:
            attempts += 1
            text, cats = fn(g)
            if not cats and text in seen:  # harmless pools are small: vary the wrapping
                text = g.pick(PREFIXES) + text + g.pick(SUFFIXES)
            if text in seen:
                continue
            seen.add(text)
            i = made
            made += 1
            cats = sorted(set(cats))
            cases.append({
                "id": f"{bank}-{family}-{i:03d}",
                "text": text,
                "expect": "block" if cats else "allow",
                "categories": cats,
            })
    return cases


def render(cases: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args(argv)
    _self_test()
    status = 0
    for bank in ("dev", "holdout"):
        cases = build(bank)
        path = HERE / f"{bank}.jsonl"
        content = render(cases)
        blocks = sum(c["expect"] == "block" for c in cases)
        if args.check:
            same = path.is_file() and path.read_text(encoding="utf-8") == content
            print(f"{path.name}: {'up to date' if same else 'DIFFERS'}")
            status |= 0 if same else 1
        else:
            path.write_text(content, encoding="utf-8")
            print(f"{path.name}: {len(cases)} cases ({blocks} block, {len(cases) - blocks} allow)")
    return status


if __name__ == "__main__":
    sys.exit(main())
