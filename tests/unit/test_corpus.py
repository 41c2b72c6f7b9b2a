"""The labelled corpora: committed files match the generator; labels are well formed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CATEGORIES = {
    "PERSONAL_DATA",
    "SPECIAL_CATEGORY",
    "OFFICIAL_SENSITIVE",
    "NON_PUBLIC_CODE",
    "CREDENTIALS",
}


def _generator():
    name = "aidlp_corpus_generate"
    if name not in sys.modules:  # dataclasses need the module registered while it loads
        spec = importlib.util.spec_from_file_location(name, CORPUS / "generate.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_committed_corpora_are_what_the_generator_makes():
    gen = _generator()
    gen._self_test()
    for bank in ("dev", "holdout"):
        assert (CORPUS / f"{bank}.jsonl").read_text(encoding="utf-8") == gen.render(gen.build(bank))


@pytest.mark.parametrize(("bank", "minimum"), [("dev", 600), ("holdout", 300)])
def test_corpus_shape(bank, minimum):
    rows = [
        json.loads(line)
        for line in (CORPUS / f"{bank}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) >= minimum
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "text", "expect", "categories"}
        assert set(r["categories"]) <= CATEGORIES
        assert (r["expect"] == "block") == bool(r["categories"])
        if "SPECIAL_CATEGORY" in r["categories"]:
            assert "PERSONAL_DATA" in r["categories"]
    allow = sum(r["expect"] == "allow" for r in rows)
    assert 0.3 < allow / len(rows) < 0.7


def test_dev_and_holdout_templates_are_disjoint():
    gen = _generator()
    dev = {family for family, _, _ in gen.BANKS["dev"]}
    hold = {family for family, _, _ in gen.BANKS["holdout"]}
    dev_fns = {fn for _, _, fn in gen.BANKS["dev"]}
    assert not dev_fns & {fn for _, _, fn in gen.BANKS["holdout"]}
    assert dev and hold
    dev_texts = {
        json.loads(x)["text"]
        for x in (CORPUS / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    }
    hold_texts = {
        json.loads(x)["text"]
        for x in (CORPUS / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert not dev_texts & hold_texts


def test_checksums_against_published_examples():
    gen = _generator()
    assert gen.nhs_is_valid("9434765919")  # NHS Digital's example number
    assert gen.iban_is_valid("GB82WEST12345698765432")  # the standard GB IBAN example
    assert gen.luhn_is_valid("4111111111111111") and not gen.luhn_is_valid("4111111111111121")
    assert not gen.nino_is_valid("QQ123456C")  # HMRC's example: Q prefix is never issued
    for bad in ("DA123456A", "AO123456A", "GB123456A", "NK123456A", "AB123456E"):
        assert not gen.nino_is_valid(bad)
    g = gen.Gen(1)
    for _ in range(200):
        assert gen.utr_is_valid(g.utr().replace(" ", ""))
        assert not gen.utr_is_valid(g.utr_invalid())
        assert not gen.nhs_is_valid(g.nhs_invalid("")) and gen.nhs_is_valid(g.nhs(""))
        assert not gen.iban_is_valid(g.iban_invalid()) and gen.iban_is_valid(g.iban())
