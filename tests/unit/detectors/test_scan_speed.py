"""Speed machinery of the scan path gives the answers of the plain path (issues 12/14 speed).

Each test pins one rule: a faster structure (how patterns are grouped into RE2 sets, a
prefilter) must say exactly what the slow, obvious structure says, on our own corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import re2

from detectors.base import RE2_OPTIONS
from detectors.normalise import (
    _DECODERS,
    _OPTS,
    _shape_patterns,
    _shape_set,
)
from detectors.re2sets import LARGE_PROGRAM, PATTERNS_PER_SET, SMALL_FAMILY_PER_SET, PackedSets
from detectors.recognisers.credentials import CredentialRecogniser, _any_of

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _sample_texts(step: int = 3) -> list[str]:
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl"):
        with (CORPUS / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts[::step]


def _set_regexes(engine) -> list[str]:
    """What the engine's gate searches, in its order: each pattern (a shaped pattern's
    shape), a literal trigger's residue parts (or residue) in its place; nothing of a
    self-gated trigger."""
    out = []
    for rec in engine.recognisers:
        for i, rx in enumerate(rec.searched):
            pattern = rec.patterns[i]
            if getattr(pattern, "self_gated", False):
                continue
            if getattr(pattern, "residue_parts", ()):
                out += pattern.residue_parts
                continue
            searched = getattr(pattern, "residue", rx)
            if searched is not None:
                out.append(searched)
    return out


def test_pattern_sets_answer_like_each_pattern_searched_alone(engine) -> None:
    """Rule: the engine's RE2 sets (large programs alone, the rest in runs) report exactly
    the patterns that match when each one is searched on its own."""
    regexes = _set_regexes(engine)
    _assert_packed_sets_answer_like_each_alone(regexes, RE2_OPTIONS, _sample_texts())


def test_engine_gate_answers_like_each_pattern_searched_alone(engine) -> None:
    """Rule: the engine's own gate (the credential prefilters packed apart from the other
    patterns) reports exactly the patterns that match when each is searched alone."""
    regexes = _set_regexes(engine)
    assert len(regexes) == len(engine._set_owner)
    alone = [re2.compile(rx, RE2_OPTIONS) for rx in regexes]
    texts = [*_sample_texts(), "id AKC12345678 key AC" + "0f" * 16, "sk " + "Ab9" * 11]
    for text in texts:
        data = text.encode()
        assert engine._sets.matching(data) == {
            i for i, rx in enumerate(alone) if rx.search(data)
        }, text[:60]


def test_credential_residue_parts_match_where_the_residue_does() -> None:
    """Rule: one of the credential trigger's residue parts matches a text exactly when the
    residue (one alternation of every prefilter) does, so the gate may search the parts."""
    (trigger,) = CredentialRecogniser().PATTERNS
    assert trigger.residue_parts
    residue = re2.compile(trigger.residue, RE2_OPTIONS)
    parts = [re2.compile(p, RE2_OPTIONS) for p in trigger.residue_parts]
    texts = [*_sample_texts(), "AC" + "f" * 32, "x:$2b$ y", "1.2.3 (Host/", "00" + "a" * 13 + "!"]
    hits = 0
    for text in texts:
        data = text.encode()
        expected = residue.search(data) is not None
        assert any(p.search(data) for p in parts) == expected, text[:60]
        hits += expected
    assert hits


def test_apart_families_are_packed_among_themselves() -> None:
    """Rule: PackedSets keeps each ``apart`` family in sets of its own, at most
    ``apart_per_set`` to a set, and still answers like each pattern searched alone."""
    patterns = [r"\d{3}", "[a-f0-9]{8}", "abc", "x[0-9]{4}", "[A-Z]{5}", "qq", r"\bzz\b"]
    packed = PackedSets(patterns, RE2_OPTIONS, apart=[[1, 3, 4]], apart_per_set=2)
    for members, _ in packed.sets:
        inside = {i in (1, 3, 4) for i in members}
        assert len(inside) == 1
        if inside == {True}:
            assert len(members) <= 2
    texts = ["123", "deadbeef", "x1234 ABCDE", "qq zz", "nothing here", "abc 12"]
    for text in texts:
        data = text.encode()
        expected = {i for i, p in enumerate(patterns) if re2.search(p, data)}
        assert packed.matching(data) == expected, text


def test_blob_finder_sets_answer_like_each_finder_searched_alone() -> None:
    """Rule: the normaliser's packed blob-finder sets report exactly the finders that match
    when each is searched on its own (the character-code finder sits alone)."""
    blobs = ["aGVsbG8gd29ybGQgaGVsbG8=", "%41%42%43%44", "&#74;&#71;&#49;", "0x4a 0x47 0x31 0x32"]
    texts = _sample_texts(step=2) + blobs + [" ".join(blobs)]
    finders = [rx.pattern for _, rx, _ in _DECODERS]
    _assert_packed_sets_answer_like_each_alone(finders, _OPTS, texts, SMALL_FAMILY_PER_SET)


def test_shape_check_sets_answer_like_each_check_searched_alone() -> None:
    """Rule: the normaliser's packed shape-check sets (rewrites, turned markings, reading
    cue, join gates) report exactly the checks that match when each is searched alone."""
    patterns = list(_shape_patterns())
    assert sorted(i for group, _ in _shape_set().sets for i in group) == list(range(len(patterns)))
    shapes = ["QQ 12 34 56 C", "AB.12.34.56.C", "zero seven seven", "AKIA 1234 5678 ABCD EFGH"]
    texts = _sample_texts(step=2) + shapes + ["\n".join(shapes)]
    _assert_packed_sets_answer_like_each_alone(patterns, _OPTS, texts, SMALL_FAMILY_PER_SET)


def _assert_packed_sets_answer_like_each_alone(regexes, options, texts, per_set=32) -> None:
    alone = [re2.compile(rx, options) for rx in regexes]
    packed = PackedSets(regexes, options, per_set)
    members = sorted(i for group, _ in packed.sets for i in group)
    assert members == list(range(len(regexes)))
    hits = 0
    for text in texts:
        data = text.encode()
        expected = {i for i, rx in enumerate(alone) if rx.search(data)}
        assert packed.matching(data) == expected, text[:60]
        hits += bool(expected)
    assert hits  # the sample exercises matches, not only misses


def test_large_programs_get_a_set_of_their_own(engine) -> None:
    """Rule: a pattern whose RE2 program exceeds LARGE_PROGRAM instructions is alone in its
    set (beside others its DFA states multiply with theirs); the others share sets of at
    most PATTERNS_PER_SET."""
    regexes = _set_regexes(engine)
    sizes = [re2.compile(rx, RE2_OPTIONS).programsize for rx in regexes]
    assert any(size > LARGE_PROGRAM for size in sizes)  # the name patterns, today
    for members, _ in PackedSets(regexes, RE2_OPTIONS).sets:
        assert len(members) <= PATTERNS_PER_SET
        if len(members) > 1:
            assert all(sizes[i] <= LARGE_PROGRAM for i in members)


def test_credential_allow_lists_as_one_search_answer_like_each_regex() -> None:
    """Rule: an allow-list searched as one alternation (``_any_of``) says "allowed" exactly
    when one of its regexes matches, for every allow-list of the shipped rules (inline
    flags such as ``(?i)`` keep their scope), on corpus lines and the tokens in them."""
    rec = CredentialRecogniser()
    lists = {id(rxs): rxs for rxs in rec._family_allow.values()}
    lists |= {id(rxs): rxs for rxs in rec._family_allow_match.values()}
    lists |= {id(r.allow_line): r.allow_line for r in rec.rules}
    lists |= {id(r.file_allow): r.file_allow for r in rec.rules}
    lists = {k: v for k, v in lists.items() if v}
    assert len(lists) > 5
    samples = ["EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "checksum: sha256:" + "ab" * 32, "csrf_token="]
    for text in _sample_texts(step=7):
        samples += text.splitlines()[:20] + text.split()[:40]
    for rxs in lists.values():
        one = _any_of(rxs)
        for s in samples:
            assert one(s) == any(rx.search(s) for rx in rxs), (rxs[0].pattern[:40], s[:40])
            b = s.encode()
            assert one(b) == any(rx.search(b) for rx in rxs)


def test_any_of_scopes_inline_flags_per_pattern() -> None:
    """Rule: ``(?i)`` in one allow pattern does not make the others case-insensitive."""
    rxs = (re2.compile("(?i)example", RE2_OPTIONS), re2.compile("^TEST$", RE2_OPTIONS))
    one = _any_of(rxs)
    assert one("an ExAmPlE value") and one("TEST")
    assert not one("test") and not one("x TEST")
    assert _any_of(()) is None


def test_prepare_builds_the_normaliser_tables_a_first_scan_would() -> None:
    """Rule: ``normalise.prepare()`` (run when an engine is built, so in the scan template
    before workers fork) builds the tables the normaliser otherwise loads on first use: the
    UTS #39 skeletons (first non-ASCII text), the blob finders' and the shape checks' sets."""
    from detectors import normalise

    tables = (normalise._uts39_skeletons, normalise._blob_sets, normalise._shape_set)
    for table in tables:
        table.cache_clear()
    normalise.prepare()
    assert [t.cache_info().currsize for t in tables] == [1, 1, 1]


def test_hyperscan_sets_answer_at_least_what_each_pattern_says_alone(engine) -> None:
    """Rule: the engine's pattern gate (Hyperscan databases for ASCII text, RE2 sets for
    the rest) never misses a pattern that matches when searched alone with RE2, and on the
    corpus says exactly what RE2 says; ASCII texts take the Hyperscan path."""
    from detectors.hssets import PatternSets

    regexes = _set_regexes(engine)
    alone = [re2.compile(rx, RE2_OPTIONS) for rx in regexes]
    sets = PatternSets(regexes, RE2_OPTIONS)
    assert len(sets.hyperscan_ids) > len(regexes) // 2  # most patterns run in Hyperscan
    texts = [
        *_sample_texts(step=2),
        "Dear Bartomiej Kowalski, your NINO is QQ 12 34 56 C",
        "Mr O'Brien-Smith emailed jane.doe@example.org on 3rd of March\n",
        "sort code 12-34-56 account 12345678, card 4111 1111 1111 1111\x0b",
    ]
    ascii_hits = 0
    for text in texts:
        data = text.encode()
        expected = {i for i, rx in enumerate(alone) if rx.search(data)}
        got = sets.matching(data)
        assert expected <= got, text[:60]
        assert got == expected or data.endswith(b"\n") or b"\x0b" in data, text[:60]
        ascii_hits += data.isascii() and bool(expected & set(sets.hyperscan_ids))
    assert ascii_hits  # the Hyperscan path found matches, not only misses


def test_hyperscan_sets_exact_mode_confirms_with_re2() -> None:
    """Rule: with ``exact=True`` the gate's answer is RE2's, also where Hyperscan's ``$``
    (before a final newline) and ``\\s`` (VT) say more."""
    from detectors.hssets import PatternSets

    patterns = [r"end$", r"a\sb", r"\bQQ\d{6}[A-D]\b", r"(?i)k\w+"]
    loose = PatternSets(patterns, RE2_OPTIONS)
    exact = PatternSets(patterns, RE2_OPTIONS, exact=True)
    assert loose.matching(b"the end\n") == {0} and exact.matching(b"the end\n") == set()
    assert loose.matching(b"a\x0bb") == {1} and exact.matching(b"a\x0bb") == set()
    for data in (b"QQ123456C kite", "\u212aite QQ123456C".encode()):  # KELVIN SIGN: RE2 path
        assert exact.matching(data) == loose.matching(data) == {2, 3}


def test_ascii_form_rewrites_only_what_is_exact_on_ascii_text() -> None:
    """Rule: a pattern reaches Hyperscan's byte mode only in a form that means on ASCII text
    what RE2 means: \\p{Lu}/\\p{Ll} become [A-Z]/[a-z], a non-ASCII character a byte ASCII
    never holds (one atom: its quantifier still applies); other Unicode properties, a
    property inside a class and \\Q...\\E stay with RE2."""
    from detectors.hssets import PatternSets, ascii_form

    assert ascii_form(r"\p{Lu}\p{Ll}+") == "[A-Z][a-z]+"
    assert ascii_form("Bartł?omiej") == r"Bart(?:\xff)?omiej"
    assert ascii_form("[^“]x[a-é]") == r"[^\xff]x[a-\xff]"
    assert ascii_form("[]a][[:alpha:]]") == "[]a][[:alpha:]]"
    for unsupported in (r"[\p{Lu}]", r"\pL", r"\p{Greek}", r"\Qa.b\E", r"\C"):
        assert ascii_form(unsupported) is None
    patterns = ["Bartł?omiej", "[^“]x", r"\p{Lu}\p{Ll}+ [a-é]", r"\p{Greek}"]
    sets = PatternSets(patterns, RE2_OPTIONS)
    assert sorted(sets.hyperscan_ids) == [0, 1, 2]
    for text in ("Bartomiej", "yx", "Jane a", "Jane ~", "plain", "Bartłomiej", "αx", "Jane é"):
        data = text.encode()
        expected = {i for i, p in enumerate(patterns) if re2.search(p, data)}
        assert sets.matching(data) == expected, text


def test_hyperscan_scratch_is_per_thread() -> None:
    """Rule: each thread scans with its own Hyperscan scratch space (one scratch used by
    two threads at once is an error), and threads get the same answers."""
    import threading

    from detectors.hssets import PatternSets

    sets = PatternSets([r"\bQQ\d{6}[A-D]\b", r"(?i)password"], RE2_OPTIONS)
    answers: list[set[int]] = []
    scratches: list[object] = []  # kept alive, so their ids stay distinct

    def scan() -> None:
        for _ in range(200):
            answers.append(sets.matching(b"QQ123456C and the Password"))
        scratches.append(sets._scratches()[0])

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 800 and all(a == {0, 1} for a in answers)
    assert len({id(s) for s in scratches}) == 4


def test_engine_with_the_hyperscan_gate_finds_what_it_finds_with_re2_sets(monkeypatch) -> None:
    """Rule: the pattern gate is a speed choice only: an engine built with the Hyperscan gate
    (``PATTERN_GATE_FACTORY``) gives the same findings as one with the RE2 packed sets."""
    import detectors.engine as engine_module
    from detectors.hssets import PatternSets

    plain = engine_module.ScanEngine(load_ner=False)
    monkeypatch.setattr(engine_module, "PATTERN_GATE_FACTORY", "detectors.hssets:PatternSets")
    fast = engine_module.ScanEngine(load_ner=False)
    assert isinstance(fast._sets, PatternSets) and not isinstance(plain._sets, PatternSets)
    found = 0
    for text in _sample_texts(step=4):
        expected = plain.scan(text).findings
        assert fast.scan(text).findings == expected, text[:60]
        found += bool(expected)
    assert found


def test_a_probe_is_what_every_match_needs() -> None:
    """Rule: ``needed_probe`` names a probe only when every match of the pattern holds one
    of its characters (a literal, a class of only those characters, a repeat of at least
    one, every branch); optional parts, mixed classes, negations and RE2-only syntax (which
    the standard parser rejects or reads as other characters) need nothing."""
    from detectors.re2sets import needed_probe

    assert needed_probe(r"\b[A-Z]{2}\d{6}[A-D]\b") == "digit"
    assert needed_probe(r"(?i)(?:no|nr)\.? ?[0-9]{3}") == "digit"
    assert needed_probe(r"x(?:1|2[a-z]|3)") == "digit"
    assert needed_probe(r"[\w.]+@[\w.]+") == "at"
    assert needed_probe(r"\d@") == "at"  # the rarer probe first
    for pattern in (
        r"[A-Z]{2}\d{0,6}",  # the digits are optional
        r"(?:1|a)",  # one branch has none
        r"[0-9a]",  # a mixed class
        r"[^0-9]",
        r"\D+",
        r".",
        r"[[:digit:]]",  # RE2's POSIX class: the standard parser reads other characters
        r"\pN",  # RE2-only syntax
        r"\Q1\E",
        r"a(?i)1",  # a flag mid-pattern: rejected by the standard parser
        r"(?:[\w.-]{0,40}?)",
    ):
        assert needed_probe(pattern) is None, pattern


def test_probed_sets_are_skipped_only_where_nothing_can_match() -> None:
    """Rule: a set whose patterns all need a probe is skipped on a text without its
    characters, and PackedSets still reports exactly what each pattern searched alone does
    (texts with and without digits and '@')."""
    from detectors.re2sets import needed_probe

    patterns = [r"\d{3}", r"[a-z]+@[a-z]+", "abc", r"(?i)\bref\s*\d+", r"\w+", r"1?x"]
    packed = PackedSets(patterns, RE2_OPTIONS, per_set=2)
    assert set(packed.probes) == {"digit", "at", None}
    for members, probe in zip((m for m, _ in packed.sets), packed.probes, strict=True):
        assert probe is None or all(needed_probe(patterns[i]) == probe for i in members)
    texts = ["123", "a@b", "abc", "REF 12", "x", "no digits here", "", "ref x", "é@ü 4"]
    for text in texts:
        data = text.encode()
        expected = {i for i, p in enumerate(patterns) if re2.search(p, data)}
        assert packed.matching(data) == expected, text


def test_probes_hold_on_the_corpus_for_every_engine_pattern(engine) -> None:
    """Rule: no engine pattern that ``needed_probe`` says needs a probe matches a corpus text
    (or a view of one) without that probe's characters: the skipped sets never hide a match."""
    from detectors.re2sets import PROBES, needed_probe

    regexes = _set_regexes(engine)
    probed = [(re2.compile(rx, RE2_OPTIONS), needed_probe(rx)) for rx in regexes]
    assert sum(p == "digit" for _, p in probed) >= 20  # the identifier patterns, today
    for text in _sample_texts(step=1):
        data = text.encode()
        for rx, probe in probed:
            if probe is not None and not any(c in text for c in PROBES[probe]):
                assert rx.search(data) is None, (rx.pattern[:60], text[:60])


def test_a_digit_run_is_what_every_match_needs() -> None:
    """Rule: ``needed_digit_run`` is a run of consecutive digits every match holds: digits,
    digit classes and repeats of them add up, assertions in between do not break a run,
    anything else does; RE2-only or ambiguous syntax (``{,n}``) needs nothing."""
    from detectors.re2sets import digit_run_level, needed_digit_run

    assert needed_digit_run(r"\b[A-Z]{2}\d{6}[A-D]\b") == 6
    assert needed_digit_run(r"\b\d\d[ \-/.]\d\d[ \-/.]\d\d\b[^0-9]{1,60}\b\d{8}\b") == 8
    assert needed_digit_run(r"(?:\d\d){3}\b\d") == 7
    assert needed_digit_run(r"(?:[ .]?\d\d){3}") == 2
    assert needed_digit_run(r"x(?:12|345)y") == 2
    assert needed_digit_run(r"(?:1|2)[0-9]{3}") == 4
    assert needed_digit_run(r"\d{3}(?:-|\d)\d") == 3
    assert needed_digit_run(r"(?:\d{4}|\d{2}x\d{5})") == 4
    for pattern in (r"\d{,5}", r"a\d{0,9}b", r"\pN{6}", r"[[:digit:]]{5}", r"\d?\d?", r"\D{9}"):
        assert needed_digit_run(pattern) <= 1, pattern
    assert digit_run_level(r"\d{6}") == 4 and digit_run_level(r"\d{9}") == 7
    assert digit_run_level(r"\d{3}") == 0


def test_digit_run_sets_are_skipped_only_where_nothing_can_match() -> None:
    """Rule: sets that need a run of digits are skipped on a text without one, and
    PackedSets still reports exactly what each pattern searched alone does."""
    patterns = [r"\d{3}", r"\b\d{4}\b", r"\d{8}", r"[A-Z]\d{7}", r"\d{2}-\d{5}", r"\w+"]
    packed = PackedSets(patterns, RE2_OPTIONS, per_set=2)
    assert set(packed.digit_runs) == {0, 4, 7}
    texts = ["12", "123", "1234", "12345678", "A1234567", "12-34567", "x 1 2 3 4 5 6 7 8", ""]
    for text in [*texts, *_sample_texts(step=7)]:
        data = text.encode()
        expected = {i for i, p in enumerate(patterns) if re2.search(p, data)}
        assert packed.matching(data) == expected, text[:60]


def test_digit_runs_hold_on_the_corpus_for_every_engine_pattern(engine) -> None:
    """Rule: every match of an engine or normaliser set pattern, on corpus texts, holds a
    run of as many consecutive digits as ``needed_digit_run`` says."""
    from detectors import normalise
    from detectors.re2sets import needed_digit_run

    regexes = _set_regexes(engine) + list(normalise._shape_patterns())
    regexes += [rx.pattern for _, rx, _ in normalise._DECODERS]
    needs = [(re2.compile(rx, RE2_OPTIONS), needed_digit_run(rx)) for rx in regexes]
    assert sum(n >= 4 for _, n in needs) >= 20
    longest = re2.compile(r"[0-9]+")
    for text in _sample_texts(step=1):
        data = text.encode()
        for rx, need in needs:
            if need <= 1:
                continue
            for m in rx.finditer(data):
                runs = [len(r.group(0)) for r in longest.finditer(m.group(0))]
                assert max(runs, default=0) >= need, (rx.pattern[:60], need)


def test_name_finder_multiplies_through_numpy_with_blis_results(engine) -> None:
    """Rule: the name finder's spaCy layers multiply through NumPy (``detectors/ner_ops.py``),
    and give the entities, tags and parse that BLIS's products give, on corpus texts."""
    from thinc.api import NumpyOps

    nlp = engine.ner.nlp
    nodes = [
        node
        for _, pipe in nlp.pipeline
        if hasattr(getattr(pipe, "model", None), "walk")
        for node in pipe.model.walk()
    ]
    assert nodes and all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in nodes)
    texts = _sample_texts(step=8)

    def read() -> list:
        return [
            (
                [(e.start_char, e.end_char, e.label_) for e in doc.ents],
                [(t.tag_, t.dep_, t.head.i, t.is_sent_start) for t in doc],
            )
            for doc in nlp.pipe(texts)
        ]

    numpy_read = read()
    numpy_ops = nodes[0].ops
    blis = NumpyOps(use_blis=True)
    try:
        for node in nodes:
            node.ops = blis
        blis_read = read()
    finally:
        for node in nodes:
            node.ops = numpy_ops
    assert sum(bool(ents) for ents, _ in blis_read) > 10  # the sample has entities
    assert numpy_read == blis_read


def test_required_literals_are_what_every_match_holds() -> None:
    """Rule: ``required_literals`` names folded literals one of which every match holds: a
    literal run, a class of one letter in both cases, a repeat of at least one, the union
    of an alternation's branches, the best item of a sequence; optional parts, classes,
    a branch with no literal and what the standard parser cannot read safely need none."""
    from detectors.re2sets import required_literals

    assert required_literals(r"\bDear [A-Z]") == {"dear "}
    assert required_literals(r"(?i)\b(?:Right[ -]?to|read[ -]?backwards)\b") == {
        "right",
        "backwards",
    }
    assert required_literals(r"x(?:abc)+y") == {"abc"}
    assert required_literals(r"[Ss]ecret\d") == {"secret"}
    assert required_literals(r"(?:Bartłomiej|Łukasz) [A-Z]") == {"omiej", "ukasz"}
    assert required_literals(r"\p{Lu}\p{Ll}+ Smith") == {" smith"}
    assert required_literals(r"[[:alpha:]]+ and") == {" and"}  # RE2's POSIX class
    assert required_literals(r"[a[:digit:]]x") == {"x"}  # not the ']' the standard reads
    assert required_literals(r"ab|(?i)cd") == {"ab", "cd"}  # RE2 allows a flag mid-pattern
    assert required_literals(r"\x{212A}elvin") is None  # RE2's \x{..}: the parser rejects it
    assert required_literals("여권 번호") == {"여권 번호"}  # caseless letters stand as they are
    assert required_literals("(?i)\u212aey") == {"key"}  # KELVIN SIGN folds to k
    for pattern in (
        r"(?:abc)?x?",
        r"[a-z]+",
        r"(?:abc|\d+)",
        r"\Qabc\E",  # RE2-only quoting: the standard parser rejects it
        r"ÀÉ",  # cased non-ASCII letters: RE2's (?i) folds them, fold() does not
        r"a{0,3}",
    ):
        assert not required_literals(pattern), pattern


def test_caseless_characters_match_only_themselves_in_re2() -> None:
    """Rule: RE2's ``(?i)`` matches no other code point to a character ``caseless`` accepts
    (so a literal holding one occurs in ``fold(text)`` exactly where RE2 finds it): the
    case-insensitive class of every caseless non-ASCII character matches none of the
    others."""
    import sys

    from detectors.literals import caseless

    ranges: list[list[int]] = []
    others: list[str] = []
    for cp in range(0x80, sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if caseless(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        else:
            others.append(chr(cp))
    klass = "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
    rx = re2.compile("(?i)[" + klass + "]")
    assert rx.search("".join(others) + "".join(chr(c) for c in range(128))) is None
    assert caseless("여") and caseless("ก") and caseless("漢") and caseless("-")
    assert not caseless("é") and not caseless("ß") and not caseless("\u212a")


def _necessary_texts(literals: list[str], rng) -> list[str]:
    """Generated texts around ``literals``: pieces of them in any case, with every class of
    code point beside them (ASCII, KELVIN SIGN, LONG S, cased and caseless letters, marks)."""
    noise = [*"aAkKsSxX019 -_.'\n\t", "\u212a", "\u017f", "ß", "İ", "é", "여", "ก", "\u0301", "ﬁ"]
    texts = []
    for _ in range(600):
        parts = []
        for _ in range(rng.randint(0, 4)):
            lit = rng.choice(literals) if literals else ""
            cut = lit[rng.randint(0, len(lit)) :] if rng.random() < 0.3 else lit
            parts.append("".join(c.upper() if rng.random() < 0.5 else c for c in cut))
            parts.append("".join(rng.choice(noise) for _ in range(rng.randint(0, 3))))
        texts.append("".join(parts))
    return texts


def test_literal_gates_never_hide_a_match() -> None:
    """Rule: the gate is a necessary condition: wherever an RE2 pattern matches, one of its
    required literals occurs in the folded text, at a word edge where it is marked so
    (generated texts for hand-written,
    engine, normaliser and keyword patterns), so a gated set skipped there matches
    nothing."""
    import random

    from detectors.engine import ScanEngine
    from detectors.literals import LiteralSet, fold
    from detectors.re2sets import required_gate

    rng = random.Random(11)
    engine = ScanEngine(load_ner=False)
    patterns = [
        r"(?i)\bsecret[_-]?key\b",
        r"\b(?:Mr|Mrs|Dr)\.? [A-Z][a-z]+",
        r"(?:[Kk]ey|\x{17F}ecret)=\w+",
        r"(?i)(?:ſtop|kelvin|STRASSE)",
        "(?:여권|passport) ?번호",
        *_set_regexes(engine),
        *_shape_patterns(),
        *(rx.pattern for _, rx, _ in _DECODERS),
    ]
    checked = 0
    for pattern in patterns:
        need = required_gate(pattern)
        if not need:
            continue
        gate = LiteralSet([need])
        rx = re2.compile(pattern, RE2_OPTIONS)
        for text in _necessary_texts(sorted(lit for lit, _, _ in need)[:50], rng):
            if rx.search(text.encode()):
                assert gate.groups_in(fold(text), text) == {0}, (pattern[:60], text)
                checked += 1
    assert checked > 500


def test_gated_sets_answer_like_each_pattern_alone_on_generated_texts() -> None:
    """Rule: PackedSets with its literal gates reports exactly the patterns that match when
    each is searched alone, on texts made to sit at the gates' edges (literals cut short,
    in mixed case, beside folded look-alikes)."""
    import random

    patterns = [
        r"(?i)\bright[ -]?to[ -]?left\b",
        r"\bDear [A-Z][a-z]+",
        r"(?i)kelvin|strasse",
        r"[Ss]ecret\d",
        "여권 ?번호",
        r"\d{3}",
        r"[a-z]+@x",
    ]
    packed = PackedSets(patterns, RE2_OPTIONS, per_set=2)
    assert sum(g is not None for g in packed.gates) >= 3
    rng = random.Random(5)
    texts = _necessary_texts(["right to left", "dear Ann", "kelvin", "secret7", "여권번호"], rng)
    for text in [*texts, "RIGHT-TO-LEFT", "\u212aelvin", "\u017fecret1", "Dear Bo", "dear bo"]:
        data = text.encode()
        expected = {i for i, p in enumerate(patterns) if re2.search(p, data)}
        assert packed.matching(data) == expected, text
        assert packed.matching(data, text) == expected, text


def test_literals_after_a_word_boundary_count_only_at_a_word_edge() -> None:
    """Rule: a literal right after (before) a ``\\b`` of the pattern, directly or as the
    start (end) of a group or branch, is marked to count at a word start (end); a repeat's
    literal keeps only its start; an optional part or a class between them drops the mark."""
    from detectors.re2sets import required_gate

    assert required_gate(r"(?i)\b(?:un|deux)\b") == {("un", True, True), ("deux", True, True)}
    assert required_gate(r"\bDear [A-Z]") == {("dear ", True, False)}
    assert required_gate(r"\b(?:ab)+\b") == {("ab", True, False)}
    assert required_gate(r"\bx?abc\b") == {("abc", False, True)}
    assert required_gate(r"\b(?:pre(?:fix|set))\b") in (
        {("pre", True, False)},
        {("fix", False, True), ("set", False, True)},
    )


def test_edged_literal_sets_answer_like_re2_word_boundaries() -> None:
    """Rule: an edged literal counts exactly where RE2's ``(?i)\\blit\\b`` (or one-sided)
    matches, KELVIN SIGN and other non-ASCII characters beside it included (RE2's ``\\b``
    knows ASCII word characters only)."""
    import random

    from detectors.literals import LiteralSet, fold

    literals = [("un", True, True), ("ab", True, False), ("cd", False, True), ("efg", False, False)]
    regexes = [r"(?i)\bun\b", r"(?i)\bab", r"(?i)cd\b", r"(?i)efg"]
    literal_set = LiteralSet([[lit] for lit in literals])
    rng = random.Random(3)
    alphabet = [*"unUNabABcdCDefg_1 -.", "\u212a", "\u017f", "é", "여", "\n"]
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        expected = {i for i, rx in enumerate(regexes) if re2.search(rx, text)}
        assert literal_set.groups_in(fold(text), text) == expected, repr(text)
