"""Staff, employee and payroll numbers (red team RT-66): the number after its label stands
for a person, like a name. It is a :data:`~detectors.base.Tier.PERSON` item: it counts
only with personal context about it (a special-category value in the same record, case
detail), exactly as a name does (``detectors/combine.py``). Labels:
``identifiers.yaml: staff_number_labels``."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import IDENTIFIERS, Recogniser, Tier, context_words


def staff_patterns(labels: tuple[str, ...]) -> tuple[Pattern, ...]:
    """``staff_no: E4471823``, ``"employee_id": "40213"``, ``payroll number is 00412233``."""
    return (
        Pattern(
            "staff_number",
            rf"(?i)\b(?:{vocabulary.alternation(labels, any_space=True)})[\"']?[ \t]*[:=#]?"
            r"[ \t]*(?:is[ \t]+)?[\"']?(?P<v>[A-Z]{0,3}-?\d{4,10}[A-Z]?)\b",
            0.6,
        ),
    )


class StaffNumberRecogniser(Recogniser):
    """A labelled staff / employee / payroll number: a person's reference."""

    ENTITY = "STAFF_NUMBER"
    TIER = Tier.PERSON
    PATTERNS = staff_patterns(context_words("staff_number_labels"))

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> StaffNumberRecogniser:
        """An instance whose pattern uses the changed labels."""
        return cls._with_patterns(staff_patterns(vocab.list(IDENTIFIERS, "staff_number_labels")))

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = "".join(c for c in pattern_text if c.isdigit())
        return len(set(digits)) == 1 or digits in ("1234", "12345", "123456", "1234567")
