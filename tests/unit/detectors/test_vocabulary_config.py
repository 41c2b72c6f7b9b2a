"""``detectors.recognisers.vocabulary``: the shipped word lists changed without code (a
department's own condition terms, casework words, role words), validated at load with
errors that name the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from detectors import registry
from detectors.engine import ScanEngine
from detectors.recognisers.person import NamePatternRecogniser
from detectors.settings import DetectorSettings, RecogniserSettings
from proxy.config import ConfigError, load_config


def _engine(vocabulary: dict) -> ScanEngine:
    return ScanEngine(DetectorSettings(recognisers={"vocabulary": vocabulary}), load_ner=False)


def test_added_special_term_counts_about_a_named_person() -> None:
    """Rule: a phrase added to a special-category group is a special-category term for the
    engine built with it (and only for that engine)."""
    text = "Jane Okafor has Quorvane syndrome, she told me today."
    assert ScanEngine(DetectorSettings(), load_ner=False).scan(text).categories == []
    changed = _engine({"special.yaml:special.HEALTH": {"add": ["Quorvane syndrome"]}})
    assert changed.scan(text).categories == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_removed_term_no_longer_counts() -> None:
    """Rule: ``remove`` takes a shipped phrase out (compared ignoring case)."""
    text = "Jane Okafor has asthma, she told me today."
    assert (
        "SPECIAL_CATEGORY" in ScanEngine(DetectorSettings(), load_ner=False).scan(text).categories
    )
    changed = _engine({"special.yaml:special.HEALTH": {"remove": ["ASTHMA"]}})
    assert changed.scan(text).categories == []


def test_added_role_word_makes_a_name_pattern() -> None:
    """Rule: a role word added to ``person.yaml:roles`` makes "<role> <Name Surname>" a name
    in the engine's own recogniser instance (the class's shipped patterns are untouched)."""
    text = "the lodger Zebedee Quartermaine"

    def names(settings: RecogniserSettings) -> list[str]:
        rec = next(r for r in registry.build(settings) if isinstance(r, NamePatternRecogniser))
        return [text[r.start : r.end] for r in rec.analyze(text, [])]

    assert names(RecogniserSettings()) == []
    changed = RecogniserSettings(vocabulary={"person.yaml:roles": {"add": ["lodger"]}})
    assert names(changed) == ["Zebedee Quartermaine"]
    assert names(RecogniserSettings()) == []


def test_replace_a_list() -> None:
    """Rule: ``replace`` gives a new list (then ``add``/``remove`` apply to it)."""
    settings = RecogniserSettings(
        vocabulary={"context.yaml:workplace": {"replace": ["our depot"], "add": ["the yard"]}}
    )
    vocab = registry.vocabulary_for(settings)
    assert vocab.list("context.yaml", "workplace") == ("our depot", "the yard")
    assert vocab.digest != registry.vocabulary_for(RecogniserSettings()).digest


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"context.yaml:casewrok": {"add": ["x"]}}, "not a vocabulary that can be changed"),
        ({"names.yaml:org_next": {"add": ["Zeb"]}}, "not a vocabulary that can be changed"),
        ({"names.yaml:forenames": {"add": ["zeb"]}}, "'zeb' must start with a capital"),
        ({"names.yaml:not_name_words": {"add": ["Mary Rose"]}}, "not one word of letters"),
        ({"names.yaml:not_names": {"replace": ["cortado", "x(y"]}}, "replace entry 2"),
        ({"special.yaml:special": {"add": ["x"]}}, "name a group"),
        ({"context.yaml:casework": {"add": ["one, two"]}}, "holds a comma"),
        ({"context.yaml:casework": {"add": ["  "]}}, "expected a non-empty phrase"),
        ({"context.yaml:casework": {"append": ["x"]}}, "Extra inputs are not permitted"),
    ],
)
def test_bad_changes_are_refused(changes: dict, message: str) -> None:
    """Rule: a list that cannot be changed at run time, a group-less special list, a phrase
    holding a comma, an empty phrase or an unknown operation is a config error."""
    with pytest.raises(ValidationError, match=message):
        RecogniserSettings(vocabulary=changes)


def test_config_check_names_field_and_line(tmp_path: Path) -> None:
    """Rule: `aidlp config check` validates the section: the error names the field and line."""
    cfg = tmp_path / "aidlp.yaml"
    cfg.write_text(
        "detectors:\n  recognisers:\n    vocabulary:\n      context.yaml:casework:\n"
        "        add: ['hardship fund, award']\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"detectors\.recognisers\.vocabulary\.context\.yaml:casework\.add .*line 5",
    ):
        load_config(cfg)
    cfg.write_text(
        "detectors:\n  recognisers:\n    vocabulary:\n      names.yaml:org_next:\n"
        "        add: [Zeb]\n"
    )
    with pytest.raises(ConfigError, match=r"detectors\.recognisers\.vocabulary .*line 3"):
        load_config(cfg)


def test_added_forename_makes_a_lower_case_name() -> None:
    """Rule: a forename added to ``names.yaml:forenames`` is a forename for the engine built
    with it: "zebedee quartermaine has asthma" (a lower-case name in casework needs a known
    forename) counts only there; the default engine is untouched."""
    text = "zebedee quartermaine has asthma, she told me today."
    default = ScanEngine(DetectorSettings(), load_ner=False)
    assert default.scan(text).categories == []
    changed = _engine({"names.yaml:forenames": {"add": ["Zebedee"]}})
    assert changed.scan(text).categories == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]
    assert changed.names.forename("Zebedee") and not default.names.forename("Zebedee")
    assert default.scan(text).categories == []


def test_added_not_name_word_drops_a_name() -> None:
    """Rule: a word added to ``names.yaml:not_name_words`` is never a surname: "Sarah
    Quartermaine has asthma" is no longer a named person for that engine."""
    text = "Sarah Quartermaine has asthma, she told me today."
    default = ScanEngine(DetectorSettings(), load_ner=False)
    assert default.scan(text).categories == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]
    changed = _engine({"names.yaml:not_name_words": {"add": ["Quartermaine"]}})
    assert changed.scan(text).categories == []


def test_added_not_name_reaches_the_name_finder() -> None:
    """Rule: the name finder (spaCy's PERSON spans) judges plausibility with the engine's
    sets: a word added to ``names.yaml:not_names`` is no name for it."""
    from detectors.recognisers.person import SpacyPersonRecogniser, plausible_name

    settings = DetectorSettings(
        recognisers={"vocabulary": {"names.yaml:not_names": {"add": ["Quorvane"]}}}
    )
    finder = SpacyPersonRecogniser.from_settings(settings)
    assert finder is not None
    assert plausible_name("Quorvane")
    assert not plausible_name("Quorvane", finder.names)
