"""Departmental references that stand for one person (red team RT-132): a prison number,
a Home Office reference, a benefit claim reference, a crime reference number, after their
label. Like a staff number (``staff.py``) the reference is a
:data:`~detectors.base.Tier.PERSON` item: it counts only with personal context about it
(a special-category term or case detail in its sentence or record), exactly as a name
does (``detectors/combine.py``), so casework with no name ("prisoner A1234BC moved to the
healthcare wing after self-harm") is personal data while a reference alone is not.
Labels: ``identifiers.yaml: person_reference_labels``."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import IDENTIFIERS, Recogniser, Tier, context_words

#: at least this many digits make a reference of digits alone (fewer are a count or a
#: year); one with letters (a prison number, A1234BC) needs four
MIN_DIGITS = 6
MIN_DIGITS_WITH_LETTERS = 4
#: documentation's example values (of digits alone: a prison number's own format example,
#: A1234BC, is also a real shape, and the reference counts only with context anyway)
_EXAMPLES = frozenset({"1234", "12345", "123456", "1234567", "12345678", "123456789"})


def reference_patterns(labels: tuple[str, ...]) -> tuple[Pattern, ...]:
    """``prisoner A1234BC``, ``HO ref K1234567``, ``claim ref 7712 3391 05``,
    ``CRN 01/123456/24``: the value right after its label (a colon, ``no.``, ``is``
    between)."""
    return (
        Pattern(
            "person_reference",
            rf"(?i)\b(?:{vocabulary.alternation(labels, any_space=True)})[\"']?[ \t]*[:=#(]?"
            r"[ \t]*(?:no\.?[ \t]*|number[ \t]*|is[ \t]+)?[\"']?"
            r"(?P<v>[A-Z]{1,2}\d{4,8}[A-Z]{0,2}|\d{2,12}(?:[ /\-]\d{2,7}){0,3})\b",
            0.6,
        ),
    )


class PersonReferenceRecogniser(Recogniser):
    """A labelled departmental reference of one person: their case, claim or record."""

    ENTITY = "PERSON_REFERENCE"
    TIER = Tier.PERSON
    PATTERNS = reference_patterns(context_words("person_reference_labels"))

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> PersonReferenceRecogniser:
        """An instance whose pattern uses the changed labels."""
        return cls._with_patterns(
            reference_patterns(vocab.list(IDENTIFIERS, "person_reference_labels"))
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = "".join(c for c in pattern_text if c.isdigit())
        lettered = any(c.isalpha() for c in pattern_text)
        return (
            len(digits) < (MIN_DIGITS_WITH_LETTERS if lettered else MIN_DIGITS)
            or len(set(digits)) == 1
            or (not lettered and digits in _EXAMPLES)
        )
