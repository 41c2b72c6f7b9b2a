"""Credentials: keys, tokens, passwords and private keys, from rules data files.

The rules live in YAML next to this module (schema: :mod:`.credential_rules`):

- ``credential_rules_gitleaks.yaml``: the gitleaks rule set (MIT), provider token formats;
- ``credential_rules_noseyparker.yaml``: Nosey Parker's secret rules (Apache-2.0);
- ``credential_rules.yaml``: ours: generic assignments and flags whose key names a secret,
  passwords in prose, connection strings and URIs, config files (.netrc, .npmrc, .pypirc,
  docker ``config.json``, kubeconfig), password hashes, private keys, JWTs, and provider
  formats gitleaks lacks.

One recogniser runs them all. The engine's RE2 set sees one literal trigger (every rule
keyword); when it fires, an RE2 *set* of per-rule keyword alternations says which rules can
match at all, and only those run (RE2: linear time). A secret is then judged: rule and
file allow-lists, stop-words, entropy, documentation placeholders (``AKIAIOSFODNN7EXAMPLE``,
``<your-key>``, ``${DB_PASSWORD}``, ``xxxx``, ``changeme``) and the rule's named checks
(:data:`CHECKS`). A finding's ``entity_type`` is the rule's family; never the value.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import re2

from detectors.base import RE2_OPTIONS, Candidate, LiteralTriggerPattern, Recogniser, Tier
from detectors.literals import LiteralSet, fold
from detectors.recognisers.credential_rules import CredentialRule, load_rules

RULE_FILES = (
    Path(__file__).with_name("credential_rules_gitleaks.yaml"),
    Path(__file__).with_name("credential_rules_noseyparker.yaml"),
    Path(__file__).with_name("credential_rules.yaml"),
)

# -- value judgement ---------------------------------------------------------------------

#: substrings that mark documentation / template values
_PLACEHOLDER_WORDS = (
    "example", "xxxx", "your", "placeholder", "changeme", "change_me", "change-me", "redacted",
    "dummy", "sample", "secret_here", "key_here", "token_here", "insert", "replace", "...",
    "****", "fake", "test_key", "todo", "••", "lorem", "-token", "_token", "qwerty",
)  # fmt: skip

#: whole values that are words, not secrets
_PLACEHOLDER_VALUES = frozenset(
    [
        "password",
        "pass",
        "passwd",
        "pwd",
        "secret",
        "pw",
        "admin",
        "root",
        "test",
        "guest",
        "user",
        "username",
        "changeme",
        "letmein",
        "qwerty",
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "password1",
        "password123",
        "pa55word",
        "p@ssw0rd",
        "mypassword",
        "hunter2",
        "secretpassword",
        "topsecret",
        "mysecret",
        "postgres",
        "mysql",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "abc123",
        "abcdef",
        "abcd1234",
        "qwerty123",
        "welcome",
        "welcome1",
        "default",
        "string",
        "str",
        "required",
        "optional",
        "hidden",
        "masked",
        "secure",
        "empty",
        "value",
        "token",
        "apikey",
        "api_key",
        "secret_key",
    ]
)

_TEMPLATE = re2.compile(
    r"^(?:\$\{[^}]*\}|\$\(\s*[^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|<[^<>]*>|\[[^\[\]]*\]"
    r"|%[A-Za-z_][A-Za-z0-9_]*%|%\([A-Za-z_]+\)s|%s|@[A-Za-z_]+@|\{[A-Za-z_0-9]*\}|#\{[^}]*\}"
    r"|:[a-z_]+)$",
    RE2_OPTIONS,
)
_CODE = re2.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_]{0,40}(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]{0,40})*\s*(?:\(.*\)|\[.*\])"
    r"|[A-Za-z_][A-Za-z_]{0,40}[0-9]{0,6}(?:(?:\.|::|->)[A-Za-z_][A-Za-z_]{0,40}[0-9]{0,6})+)[;,]?$"
    r"|^[A-Za-z_][A-Za-z0-9_]{0,40}(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]{0,40})*\s*[(\[].*$",
    RE2_OPTIONS,
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def _body(value: str) -> str:
    """The value without quotes or Markdown escapes (``word\\_tokenize``)."""
    v = value.strip().replace('\\"', '"').replace("\\'", "'")
    return v.strip("'\"`").strip().replace("\\_", "_").replace("\\*", "*")


def is_placeholder(value: str) -> bool:
    """A documentation placeholder, template variable or code reference, not a secret."""
    v = _body(value)
    low = v.lower()
    if len(v) < 4 or low in _PLACEHOLDER_VALUES or len(set(low)) <= 2:
        return True
    if _TEMPLATE.match(v) or _CODE.match(v) or low.startswith(("os.", "env.", "process.env")):
        return True
    if any(w in low for w in _PLACEHOLDER_WORDS) or low.endswith(("..", "here")):
        return True
    if v[0] in "<[" or v[-1] in ">]" or v.startswith(("${", "{{", "$(", "%(")):
        return True  # a template: <user:password>, ${{ secrets.X }}, [your token]
    return _runs(low)


def _runs(low: str) -> bool:
    """A filler run (``sk-xxxxxxxx``: 8 of x * # . - _ 0, or 16 of anything) or a
    sequence of 8, or one over half the value (``123456``, ``abcdef``): typed by hand."""
    same = seq = 1
    for a, b in pairwise(low):
        same = same + 1 if a == b else 1
        seq = seq + 1 if ord(b) == ord(a) + 1 and a.isalnum() and b.isalnum() else 1
        if (same >= 8 and a in "x*#.-_0") or same >= 16 or seq >= 8 or 2 * seq > len(low) >= 6:
            return True
    return False


def _classes(value: str) -> int:
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def looks_like_password(value: str) -> bool:
    """A value in a password position that is a real-looking password.

    Quoted passphrases with spaces count; identifiers (``password=password_var``),
    code references and placeholders do not.
    """
    quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`"
    v = _body(value)
    if len(v) < 6 or len(v) > 200 or is_placeholder(v):
        return False
    if quoted and " " in v:
        words = v.split()
        return len(words) >= 3 and len(v) >= 12 and not v.endswith((".", "?", "!", ":"))
    if " " in v or v.endswith(":") or (v.endswith((")", ",")) and "(" not in v):
        return False
    if v.replace("_", "").isalpha() and (v.islower() or v.isupper()) and ("_" in v or not quoted):
        return False  # an identifier or a constant name, not a password
    if v.isalpha() and (not quoted or _self_describing(v)):
        return False  # a variable (password = secret_var) or "securepassword"
    return _classes(v) >= 2 or len(v) >= 6


#: words that make a value describe itself ("securepassword", "thisismypassword")
_SELF_DESCRIBING = (
    "pass", "secret", "key", "token", "word", "user", "admin", "test", "demo", "sample",
    "default", "value", "string", "your", "this", "here", "dummy", "none", "null", "empty",
)  # fmt: skip


def _self_describing(v: str) -> bool:
    low = v.lower()
    return any(w in low for w in _SELF_DESCRIBING)


def literal_password(value: str) -> bool:
    """A password written as a literal (env files, ini files, command-line flags): a plain
    word counts, a variable reference or a self-describing word does not."""
    v = _body(value)
    if len(v) < 4 or len(v) > 200 or " " in v or is_placeholder(v) or _self_describing(v):
        return False
    return not v.startswith(("$", "%", "<", "{", "@", "-")) and not _NUMERIC.match(v)


#: what a quoted value after "password is" says when it is not a password
_STATUS_WORDS = frozenset(
    [
        "incorrect",
        "invalid",
        "required",
        "expired",
        "wrong",
        "correct",
        "missing",
        "empty",
        "blank",
        "optional",
        "masked",
        "encrypted",
        "hashed",
        "changed",
        "reset",
        "weak",
        "strong",
        "secure",
        "hidden",
        "locked",
        "unlocked",
        "disabled",
        "enabled",
        "mandatory",
        "case-sensitive",
        "sensitive",
        "long",
        "short",
    ]
)


def quoted_prose_password(value: str) -> bool:
    """A quoted password in running text: one word of 6+ characters, or a passphrase of
    three or more words; never a status word or a placeholder."""
    v = _body(value)
    words = v.split()
    if not words or is_placeholder(v) or _self_describing(v) or v.lower() in _STATUS_WORDS:
        return False
    if len(words) == 1:
        return len(v) >= 6 and not _NUMERIC.match(v)
    return len(words) >= 3 and len(v) <= 64 and not v.endswith((".", "?", "!", ":"))


def prose_password(value: str) -> bool:
    """A password stated in running text: letters with digits or symbols, no spaces."""
    v = value.rstrip(".,;:!?)]}\"'”’")
    if len(v) < 6 or v[0] in "@/:=\\.,;&|" or "://" in v or ("@" in v[1:-1] and "." in v):
        return False
    if is_placeholder(v):
        return False
    has_alpha = any(c.isalpha() for c in v)
    has_other = any(c.isdigit() for c in v) or any(not c.isalnum() for c in v)
    return has_alpha and has_other and _classes(v) >= 3


def _b64decode(value: str) -> bytes | None:
    v = value.strip().strip("'\"")
    try:
        return base64.b64decode(
            v + "=" * (-len(v) % 4), altchars=b"-_" if "-" in v or "_" in v else None
        )
    except (binascii.Error, ValueError):
        return None


def _json_segment(seg: str) -> dict | None:
    raw = _b64decode(seg)
    if raw is None:
        return None
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def valid_jwt(value: str) -> bool:
    """Header and payload decode to JSON objects; the header names ``alg`` or ``typ``."""
    parts = value.strip().split(".")
    if len(parts) < 2:
        return False
    header = _json_segment(parts[0])
    return (
        bool(header)
        and ("alg" in header or "typ" in header)
        and _json_segment(parts[1]) is not None
    )


def user_colon_password(value: str) -> bool:
    """Base64 of ``user:password`` (HTTP Basic, docker ``auths``, npm ``_auth``)."""
    raw = _b64decode(value)
    if raw is None:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text.isprintable() or ":" not in text:
        return False
    return not is_placeholder(text.split(":", 1)[1] or "x")


def base64_private_key(value: str) -> bool:
    """Base64 of a PEM private key (kubeconfig ``client-key-data``)."""
    raw = _b64decode(value[: 200 - (200 % 4)])
    return raw is not None and b"PRIVATE KEY" in raw[:120]


def require_digit(value: str) -> bool:
    return any(c.isdigit() for c in value)


def high_entropy_token(value: str) -> bool:
    """A random-looking token: mixed case and digits, entropy near random base64."""
    v = _body(value)
    if len(v) < 20 or is_placeholder(v):
        return False
    if all(c in "0123456789abcdefABCDEF-" for c in v):
        return False  # hex digests and UUIDs
    words = [
        w for w in v.replace("-", "_").split("_") if len(w) >= 3 and w.isalpha() and w.islower()
    ]
    if len(words) >= 2:
        return False  # an identifier with a random suffix: document_block_KWAJIKnjct0K
    return _classes(v) >= 3 and entropy(v) >= 4.2


#: what marks a value as documentation even inside a vendor's token format
_EXPLICIT_PLACEHOLDERS = (
    "example", "your", "placeholder", "changeme", "change_me", "redacted", "dummy", "sample",
    "insert", "replace", "...", "fake", "todo", "lorem", "here", "••",
)  # fmt: skip


def vendor_token(value: str) -> bool:
    """A token in a vendor's own format (the rule matched its prefix and shape): it counts
    even when its body is masked (``AKCxxxxxxxxxx``, ``SKxxxx…``): people mask part of a
    token as often as all of it, and the proxy cannot see how much survived. Templates and
    explicit documentation words (``EXAMPLE``, ``<your-key>``, ``${VAR}``) still pass."""
    v = _body(value)
    low = v.lower()
    if not v or _TEMPLATE.match(v) or v[0] in "<[{$%" or v[-1] in ">]}":
        return False
    return not any(w in low for w in _EXPLICIT_PLACEHOLDERS)


def masked_or_mixed(value: str) -> bool:
    """A short-prefix token (``AP6…``, ``AKC…``): masked with x, or letters mixed with
    digits (an upper-case word such as ``APACHEKAFKA`` is not a token)."""
    v = _body(value)
    body = v[3:]
    if body and set(body.lower()) == {"x"}:
        return vendor_token(v)
    return vendor_token(v) and any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


def multiline_secret(value: str) -> bool:
    """Indented continuation lines of an ini value: one of them is token-like."""
    return any(secret_value(line) for line in value.split())


def not_hex_digest(value: str) -> bool:
    v = _body(value)
    return not all(c in "0123456789abcdefABCDEF" for c in v)


_NUMERIC = re2.compile(r"^[0-9.,:/ +_-]+$", RE2_OPTIONS)
_FILE_OR_PATH = re2.compile(
    r"(?i)(?:^[~./\\]|://|^[a-z]:\\|\.(?:pem|key|crt|cer|p12|pfx|json|ya?ml|txt|env|cfg|conf|ini|toml)$)",
    RE2_OPTIONS,
)
_IDENTIFIER = re2.compile(r"^[A-Za-z_][A-Za-z_]*$", RE2_OPTIONS)
_HOST_OR_NAME = re2.compile(
    r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[a-z]{2,12}(?::\d{1,5})?(?:/\S*)?"
    r"|[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+"
    r"|[A-Za-z][A-Za-z.]*(?:/[A-Za-z][A-Za-z.]*){2,}(?:@[0-9-]+)?)$",
    RE2_OPTIONS,
)


def secret_value(value: str) -> bool:
    """A token-like value for a key that names a secret (not a word, number, path or
    identifier): letters with digits, or letters with unusual symbols; no spaces."""
    v = _body(value)
    if len(v) < 8 or " " in v or is_placeholder(v) or _NUMERIC.match(v) or _IDENTIFIER.match(v):
        return False
    if _FILE_OR_PATH.search(v) or ("@" in v and "." in v.split("@")[-1] and len(v) < 60):
        return False
    if _HOST_OR_NAME.match(v):
        return False  # a host (api.example.net:443), a constant's name, a resource type path
    has_alpha = any(c.isalpha() for c in v)
    has_digit = any(c.isdigit() for c in v)
    odd = any(not c.isalnum() and c not in "-_./:+=" for c in v)
    return has_alpha and (has_digit or odd) and entropy(v) >= 3.0


#: what documentation writes in a URI's password position
_URI_PLACEHOLDERS = frozenset(
    [
        "password",
        "passwd",
        "pass",
        "pwd",
        "pw",
        "changeme",
        "yourpassword",
        "your_password",
        "mypassword",
    ]
)


def uri_password(value: str) -> bool:
    """The password of a URI / .netrc / connection string: anything but a placeholder
    (``user:secret@host`` counts: documentation examples get pasted with real hosts)."""
    v = _body(value)
    if v.startswith("{") and v.endswith("}") and not _TEMPLATE.match(v):
        v = v[1:-1]
    low = v.lower()
    if len(v) < 3 or low in _URI_PLACEHOLDERS or v.startswith(("$", "%", "<", "{", "@")):
        return False
    if _TEMPLATE.match(v) or any(w in low for w in _PLACEHOLDER_WORDS) or _runs(low):
        return False
    return len(set(low)) > 2


def connection_password(value: str) -> bool:
    v = _body(value)
    return uri_password(v) and v not in ("?", "''") and not _IDENTIFIER.match(v)


def token_or_basic(value: str) -> bool:
    v = _body(value)
    return user_colon_password(v) or (len(v) >= 20 and entropy(v) >= 3.5 and not is_placeholder(v))


def mixed_case_digit(value: str) -> bool:
    return (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def key_material(value: str) -> bool:
    """Private-key block: the material after the header is not a placeholder."""
    body = value.rsplit("-----" if "-----" in value else "----", maxsplit=1)[-1].replace(
        "\\n", "\n"
    )
    first = body.strip().split("\n", 1)[0][:80]
    return len(first.strip()) >= 8 and not is_placeholder(first)


CHECKS: dict[str, Callable[[str], bool]] = {
    "secret_value": secret_value,
    "uri_password": uri_password,
    "connection_password": connection_password,
    "token_or_basic": token_or_basic,
    "mixed_case_digit": mixed_case_digit,
    "key_material": key_material,
    "password": looks_like_password,
    "literal_password": literal_password,
    "prose_password": prose_password,
    "quoted_prose_password": quoted_prose_password,
    "jwt": valid_jwt,
    "basic_auth": user_colon_password,
    "base64_private_key": base64_private_key,
    "require_digit": require_digit,
    "high_entropy": high_entropy_token,
    "not_hex_digest": not_hex_digest,
    "vendor_token": vendor_token,
    "masked_or_mixed": masked_or_mixed,
    "multiline_secret": multiline_secret,
}


@lru_cache(maxsize=4)
def rules_from(paths: tuple[Path, ...]) -> tuple[CredentialRule, ...]:
    """The validated rules of ``paths`` (cached: loaded once per process)."""
    return tuple(load_rules(list(paths), frozenset(CHECKS)))


# -- the recogniser ------------------------------------------------------------------------


class CredentialRecogniser(Recogniser):
    """Every credential rule, behind one keyword trigger and one RE2 keyword set."""

    ENTITY = "CREDENTIAL"
    CATEGORY = "CREDENTIALS"
    TIER = Tier.DIRECT

    def __init__(self, rule_files: tuple[Path, ...] = RULE_FILES) -> None:
        self.rules = rules_from(tuple(rule_files))
        keywords = sorted({k for r in self.rules for k in r.keywords})
        prefilters = sorted({r.prefilter for r in self.rules if r.prefilter})
        trigger = "(?i)(?:" + "|".join([*(re2.escape(k) for k in keywords), *prefilters]) + ")"
        residue = "(?i)(?:" + "|".join(prefilters) + ")" if prefilters else None
        self.PATTERNS = (
            LiteralTriggerPattern("credential_keywords", trigger, 0.9, tuple(keywords), residue),
        )
        super().__init__()
        self.supported_entities = sorted({r.entity for r in self.rules})
        # allow-lists are per family: a published example (or a key name) allowed by one
        # rule set's rule is not found again by another set's rule for the same family
        family_allow: dict[str, list] = {}
        family_allow_match: dict[str, list] = {}
        for rule in self.rules:
            family_allow.setdefault(rule.entity, []).extend(rule.allow)
            family_allow_match.setdefault(rule.entity, []).extend(rule.allow_match)
        self._family_allow = {e: tuple(rxs) for e, rxs in family_allow.items()}
        self._family_allow_match = {e: tuple(rxs) for e, rxs in family_allow_match.items()}
        #: on the same span, our rules name the family, then gitleaks', then Nosey Parker's
        order = {"aidlp": 0, "gitleaks": 1, "noseyparker": 2}
        self._source_rank = {r.id: order.get(r.source, 3) for r in self.rules}
        # which rules can match: their keywords, any case (one Aho-Corasick pass: the same
        # answer as an RE2 set of (?i) keyword alternations, without its DFA warm-up), or
        # their prefilter pattern (an RE2 set)
        self._keyword_rules = LiteralSet([() if r.prefilter else r.keywords for r in self.rules])
        self._prefilter_rules = [i for i, r in enumerate(self.rules) if r.prefilter]
        self._prefilter_set = None
        if self._prefilter_rules:
            self._prefilter_set = re2.Set.SearchSet(RE2_OPTIONS)
            for i in self._prefilter_rules:
                self._prefilter_set.Add(self.rules[i].prefilter)
            self._prefilter_set.Compile()

    @property
    def entities(self) -> list[str]:
        """The bounded set of entity types this recogniser can report."""
        return list(self.supported_entities)

    def candidates_for(self, index: int, text: str, data: bytes, b2c) -> Iterator[Candidate]:
        """Hits of the rules whose keywords occur; where hits overlap, a provider rule wins
        over a generic one (:func:`_is_generic`), then the earlier hit, then by rule set
        (ours, gitleaks, Nosey Parker), then the longer hit."""
        hits = [
            c
            for rule_index in sorted(self._matching_rules(text, data))
            for c in self._rule_hits(self.rules[rule_index], text, data, b2c)
        ]
        rank = self._source_rank
        hits.sort(key=lambda c: (_is_generic(c.entity), c.start, rank[c.pattern], c.start - c.end))
        kept: list[Candidate] = []  # non-overlapping, by start
        starts: list[int] = []
        for c in hits:
            i = bisect.bisect_right(starts, c.start)
            if (i and kept[i - 1].end > c.start) or (i < len(kept) and kept[i].start < c.end):
                continue
            kept.insert(i, c)
            starts.insert(i, c.start)
        yield from kept

    def _matching_rules(self, text: str, data: bytes) -> set[int]:
        """Indices of the rules whose keywords occur (any case) or whose prefilter matches."""
        found = self._keyword_rules.groups_in(fold(text))
        if self._prefilter_set is not None:
            found.update(self._prefilter_rules[i] for i in self._prefilter_set.Match(data) or ())
        return found

    def _rule_hits(self, rule: CredentialRule, text: str, data: bytes, b2c) -> Iterator[Candidate]:
        for m in rule.regex.finditer(data):
            s, e = _secret_span(m, rule.secret_group)
            if s < 0 or e <= s:
                continue
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            value = text[s:e]
            if not self._keep(rule, value, m, data):
                continue
            yield Candidate(
                self,
                rule.entity,
                s,
                e,
                rule.score,
                rule.id,
                False,
                self.TIER,
                self.CATEGORY,
            )

    def _keep(self, rule: CredentialRule, value: str, m, data: bytes) -> bool:
        if any(rx.search(value) for rx in rule.file_allow) or any(
            rx.search(value) for rx in self._family_allow[rule.entity]
        ):
            return False
        low = value.lower()
        if any(w in low for w in rule.file_stopwords) or any(w in low for w in rule.stopwords):
            return False
        if rule.entropy is not None and entropy(value) < rule.entropy:
            return False
        if rule.placeholders and is_placeholder(value):
            return False
        allow_match = self._family_allow_match[rule.entity]
        if allow_match:
            whole = m.group(0)
            if any(rx.search(whole) for rx in allow_match):
                return False
        if rule.allow_line:
            s, e = m.span()
            lo = data.rfind(b"\n", 0, s) + 1
            hi = data.find(b"\n", e)
            line = data[lo : hi if hi >= 0 else len(data)]
            if any(rx.search(line) for rx in rule.allow_line):
                return False
        return all(CHECKS[name](value) for name in rule.checks)


#: families found by key names or headers rather than a token format: a provider rule
#: on the same span says more
_GENERIC_ENTITIES = frozenset(
    {
        "AUTH_HEADER_TOKEN",
        "KUBERNETES_TOKEN",
        "CONNECTION_STRING",
        "NETRC_CREDENTIALS",
        "URI_CREDENTIALS",
        "DOCKER_AUTH",
        "BASIC_AUTH",
    }
)


def _is_generic(entity: str) -> int:
    """0: a provider's token format; 1: a config-shaped family; 2: ``GENERIC_*``."""
    return 2 if entity.startswith("GENERIC_") else int(entity in _GENERIC_ENTITIES)


def _secret_span(m, group: int | None) -> tuple[int, int]:
    if group == -1:
        for g in range(m.re.groups, 0, -1):
            s, e = m.span(g)
            if s >= 0:
                return s, e
        return m.span()
    if group is not None:
        return m.span(group)
    for g in range(1, m.re.groups + 1):
        s, e = m.span(g)
        if s >= 0:
            return s, e
    return m.span()


CREDENTIAL_RECOGNISERS = (CredentialRecogniser,)
