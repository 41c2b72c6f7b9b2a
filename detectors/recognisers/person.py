"""Person names: honorific / label / salutation patterns, and spaCy NER (PERSON).

Names are :data:`~detectors.base.Tier.PERSON`: they count only together with personal
context (see ``detectors/combine.py``). spaCy runs only on the windows the engine
chooses (where a name could change the decision), never over the whole input.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from detectors.base import Recogniser, Tier

if TYPE_CHECKING:
    from collections.abc import Sequence

_NAME_WORD = r"(?:Mc|Mac|O'|D'|Fitz)?[A-Z][a-z]+(?:['\-][A-Z]?[a-z]+)?"
_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master|Sir|Dame|Lady|Lord|Rev|Revd|Prof)"
_LABEL = (
    r"(?i:full name|name|forename|first name|surname|last name|family name|claimant|"
    r"customer|client|patient|applicant|tenant|service user|employee|complainant|"
    r"child|mother|father|partner|next of kin|appellant|subject|victim|witness|"
    r"policyholder|account holder|pupil|student)"
)

#: Common UK forenames (ONS birth registrations across decades, and frequent names of
#: the UK's larger communities). "Forename Surname" is a name even where the small NER
#: model misses it; it still only counts with personal context.
_FORENAMES = """
    Aaron Abena Abigail Adaeze Adam Adebayo Agnieszka Ahmed Aidan Aisha Ajay Akua Alan
    Albert Alexander Alfie Ali Alice Alison Ama Amanda Amber Amelia Amina Amir Andre Andreea
    Andrei Andrew Andrzej Angela Anil Anita Anjali Ann Anna Anne Anthony Archie Aria Arjun
    Arlo Arthur Asha Ava Ayesha Barbara Barry Benjamin Bethany Bilal Blessing Bobby Brenda
    Brian Caitlin Caleb Callum Carl Carol Catherine Charlene Charlie Charlotte Chelsea Chen
    Chidi Chioma Chloe Christine Christopher Claire Clare Colin Connor Conor Courtney Craig
    Dafydd Daisy Daniel Danielle Darren David Dawn Dean Deborah Declan Deepa Deepak Denise
    Dennis Derek Donna Dylan Edward Eleanor Elena Elijah Elizabeth Ella Ellie Elliot Ellis
    Elsie Emeka Emilia Emily Emma Erin Esme Ethan Eva Evelyn Evie Ewa Ezra Fatima Fatma Femi
    Finley Florence Frankie Freddie Freya Funmilayo Gabriel Gareth Gary Gemma George Georgia
    Gillian Gordon Grace Graham Gurpreet Hallie Hamza Hannah Hardeep Harjit Harley Harper
    Harpreet Harriet Harrison Harry Harvey Hassan Helen Henry Hiroshi Holly Hugo Hunter
    Hussain Ian Ibrahim Imogen Imran Ioana Ion Irina Isaac Isabella Isabelle Isla Ivy Jack
    Jacob Jacqueline Jade Jake Jakub Jamal James Jane Janet Jasmine Jason Jasper Jaspreet
    Jaxon Jayden Jean Jennifer Jenson Jessica Joanna Joanne John Joseph Joshua Jude Julie
    Jun Karen Katarzyna Kate Katherine Katie Kavita Keith Kelly Kenneth Kerry Kevin Khadija
    Kieran Kofi Krzysztof Kwame Laura Lauren Layla Leah Leanne Lee Leila Leo Liam Lily Linda
    Ling Lisa Logan Lorraine Louie Louis Louise Luca Lucas Lucy Luke Magdalena Maisie
    Manpreet Marcus Marek Margaret Maria Mariam Mark Martin Mary Maryam Mason Mateusz
    Matilda Matthew Maureen Max Maya Meera Megan Mei Mia Michael Michelle Mihai Millie
    Mohamed Mohammad Mohammed Monika Muhammad Nadia Nancy Naomi Natalia Natalie Neha Neil
    Ngozi Nicola Nigel Noah Noor Olga Oliver Olivia Ollie Olu Oluwaseun Omar Oscar Owen
    Paige Patricia Patrick Paul Pauline Peter Philip Phillip Phoebe Piotr Pooja Poppy
    Precious Priya Rachel Rahul Raj Rani Ravi Raymond Rebecca Reggie Reuben Rhys Richard
    Riley Robert Roger Rohan Ronnie Rory Rosie Rowan Ruby Russell Ryan Samantha Samira
    Samuel Sandra Sanjay Sarah Scarlett Scott Sean Sebastian Shannon Shanti Shaun Sheila
    Sienna Simon Simran Sofia Sophia Sophie Stacey Stanley Stephanie Stephen Steven Stuart
    Sunil Sunita Susan Tariq Teddy Theo Theodore Thomas Toby Tomasz Tommy Tracey Tracy
    Trevor Tunde Tyrone Valerie Vasile Victoria Vikram Violet Wayne Wei William Willow Xin
    Yan Yasmin Yetunde Yusuf Zachary Zain Zainab Zara

    Aaliyah Abbie Abdul Abdullah Ada Adrian Agnes Ahmad Aiden Aileen Aimee Alana Alba Alec
    Alex Alexa Alexandra Alexis Alfred Alicia Alisha Allan Alma Alyssa Amal Amara Amrit
    Amy Ana Andrea Andy Angus Anika Annabel Annabelle Annette Annie Antonia Antony
    Aran Ariana Arran Arun Ashleigh Ashley Ashton Audrey Austin Ayaan Aylin Bartosz Beatrice
    Beatrix Becky Ben Benedict Bernadette Bernard Beth Bethan Betty Beverley Bill Billie
    Billy Blake Bogdan Bonnie Brad Bradley Brandon Brendan Brett Bridget Brooke Bruce Bryan
    Bryony Cain Calum Cameron Camilla Cara Carla Carlos Carly Carmen Carole Caroline Carolyn
    Carys Cassie Cerys Chantelle Charles Charley Charlie Cheryl Chris Christian Christina
    Ciara Ciaran Clara Clifford Clive Cody Cole Colette Corey Craig Cristina Cyril Dale
    Damian Damien Dana Daniela Danny Daria Darius Darryl Dave Davina Dawid Debbie Debra
    Deirdre Delroy Demi Denis Desmond Devon Diana Diane Dimitri Dominic Dominika Donald
    Donovan Doreen Doris Dorothy Dougie Douglas Duncan Dwayne Eamon Eddie Edith Edmund Edna
    Eduardo Edwin Eileen Elaine Eleni Eli Elias Elif Elliott Eloise Elsa Emir
    Emre Enid Enzo Eric Ernest Esther Ethel Eugene Evan Faisal Farah Faye Felicity Felix
    Fiona Frances Francesca Francis Frank Fraser Fred Freda Frederick Gail Garry
    Gavin Geoffrey Georgina Gerald Geraldine Gerard Gethin Gina Gladys Glen Glenn Gloria
    Graeme Greg Gregory Gwen Gwyneth Hafsa Haleema Halima Haris Haroon Harold Harris Hayden
    Hayley Hazel Heather Heidi Herbert Hilary Hollie Holly Howard Hugh Humza Iain Idris
    Ifeoma Igor Ilyas Ines Iqbal Irene Iris Isaiah Ishaan Ismail Ivan Jac Jackie Jackson
    Jacqui Jagdeep Jake Jamie Janice Janine Jay Jayne Jeffrey Jemima Jemma Jenna Jenny
    Jeremy Jerome Jesse Jill Jim Jimmy Joan Jodie Joe Joel Joey Johnny Jon Jonathan Jordan
    Josephine Josh Josie Joyce Juan Judith Judy Julia Julian Juliet Justin Kacper Kai Kamal
    Kamran Kane Karim Karl Karolina Kasia Kate Kath Kathleen Kathryn Katy Kayden Kayla
    Kayleigh Keira Kelvin Kenny Kerry-Ann Khalid Kian Kim Kimberley Kiran Kirsty Kris
    Kuldeep Kyle Lacey Lara Larry Laszlo Latoya Lawrence Layla Lena Lennon Leon Leonard
    Leonie Leroy Lesley Leslie Lewis Lexi Lilian Lillian Lindsay Lindsey Liz Lois Lola
    Lorna Lorenzo Lottie Lukasz Lydia Lyla Lynda Lynn Lynne Mabel Maciej Mackenzie Madison
    Mahmoud Maja Malcolm Malik Mandy Marc Marcin Margot Marian Marianne Marie Marilyn Marion
    Marjorie Marlon Martha Martyn Mateo Mathew Matt Maurice Mavis Maxine Melanie Melissa
    Mia Michaela Michal Mike Milan Miles Milo Miriam Mitchell Moira Mollie Molly
    Morgan Mustafa Nadeem Naledi Nasir Nasreen Natasha Nathan Nathaniel Nazia Nell Nia
    Niamh Nicholas Nick Nicole Nikita Nikolai Nina Nisha Norma Norman Nuala Obi Oisin
    Olamide Olena Oleksandr Olly Oona Orla Pamela Parveen Pat Paula Pawel
    Penny Percy Perry Pete Petra Phil Phyllis Pippa Polly Preeti Qasim Rabia Rachael Radu
    Rafael Rajesh Ralph Ramona Rashid Reece Reem Rehana Reza Rhian Rhiannon Rhona Ricardo
    Ricky Rita Rob Robbie Robin Rochelle Rodney Roisin Roman Ronald Rosa Rosalind Rose
    Rosemary Ross Rowena Roxanne Roy Rubina Rukhsana Rupert Ruth Ryszard Sabrina Sadia
    Saira Sajid Salim Sally Salma Sam Sami Sammy Sana Santiago Sara Sasha Saskia Shabana
    Shahid Shakira Shane Sharon Shauna Shazia Shelley Sheryl Shirley Sian Sid Silvia Sinead
    Sobia Sonia Sonya Stacy Stan Stefan Stella Steve Stewart Suzanne Sylvia Tahir
    Tamara Tamsin Tanisha Tanya Tara Tasha Terence Teresa Terry Tess Tessa Thelma Tia
    Tiago Tim Timothy Tina Tobias Tom Tomas Toni Tony Tracie Travis Tristan Tyler Usman
    Vanessa Vera Veronica Vicky Victor Vince Vincent Vivian Vivienne Wanda Waqar Warren
    Wendy Wesley Wiktoria Wilfred Winifred Wojciech Yara Yasir Yvette Yvonne Zac Zak Zofia
    Zoe Zuzanna
"""
_FORENAME_RX = "|".join(sorted(set(_FORENAMES.split()), key=len, reverse=True))
_FORENAME_UPPER_RX = _FORENAME_RX.upper()
_UPPER_WORD = r"(?:MC|MAC|O'|D')?[A-Z]{2,}(?:['\-][A-Z]{2,})?"

#: Words spaCy (small model) sometimes tags PERSON that are not names in our prompts.
_NOT_NAMES = frozenset(
    """
    universal credit pip esa jsa dla pension credit housing benefit child benefit jobcentre
    hmrc dwp nhs gp council tax dear sir madam regards thanks thank you kind best hi hello
    draft write summarise summarize explain please rewrite translate check review
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december python java excel word
    chatgpt claude copilot gemini official sensitive secret north south east west
    midlands wales scotland england london yorkshire humber northern ireland region
    """.split()  # noqa: SIM905
)


def _split(blob: str) -> list[str]:
    return blob.split()


#: Capitalised words that are never names (a window with nothing else skips NER; a
#: "Forename Surname" match whose surname is one of these is dropped).

NOT_NAME_WORDS = frozenset(
    _split(
        """
    The This That These Those There Their They Then Than What When Where Which Who Whom Why
    How Can Could Would Should Will Shall May Might Must Please Thanks Thank Hi Hello Dear
    Hey Morning Afternoon Evening Good Great Quick Question Questions Urgent Ok Okay Sorry
    Draft Write Rewrite Summarise Summarize Explain Describe Check Review Create Make Help
    Give Tell List Translate Update Add Remove Use Using Suggest Propose Generate Produce
    Compare Convert Format Fix Improve Shorten Expand Simplify Turn Put Find Show Build
    Prepare Plan Outline Analyse Analyze Calculate Work Read Reply Respond Send Edit Proofread
    Is Are Was Were Has Have Had Do Does Did Not No Yes If In On At For From With Without To
    Of By As An And Or But So Our We You Your Its It He She His Her Him My Me I Also Any All
    Some Each Every After Before During Since Until While About Into Over Under Between Note
    Notes Case Claimant Customer Client Subject Re Fw Fwd Regards Kind Best Sincerely Yours
    Faithfully Team Department Office Universal Credit Benefit Benefits Allowance Payment Tax
    Council Housing Pension State Child Jobcentre Plus Coach Personal Independence Employment
    Support Jobseeker Carer Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April June July August September October November December Jan Feb Mar
    Apr Jun Jul Aug Sep Sept Oct Nov Dec Today Tomorrow Yesterday Mr Mrs Ms Miss Dr Name
    Address Phone Email Date Birth Born Aged Age Reference Ref Following Below Above Attached
    Here Summary Report Letter Meeting Health Mental Condition Diagnosed Disability Hospital
    Doctor Nurse Patient Official Sensitive Secret Confidential Restricted Classification
    Status Details English British Welsh Scottish Irish European Government Minister
    Ministry Service Services Policy Guidance Act Bill Law Rules Table Region North South East
    West Midlands Wales Scotland England London Total Number Data Python Excel Word Teams
    Outlook Microsoft Google Covid Ramadan Christmas Easter Bank Holiday Step First Second
    Third Next Last Finally Then Now Just Only Very More Most Many Much Other Another Such
        """
    )
)


class NamePatternRecogniser(Recogniser):
    """``Mrs J. Patel``, ``Name: John Smith``, ``Dear Aisha,``: names given away by
    their form, found without NER."""

    ENTITY = "PERSON"
    TIER = Tier.PERSON
    PATTERNS = (
        Pattern(
            "honorific_name",
            rf"\b(?P<v>{_HONORIFIC}\.? (?:[A-Z]\.? ){{0,3}}{_NAME_WORD}(?: {_NAME_WORD}){{0,2}})",
            0.8,
        ),
        Pattern(
            "labelled_name",
            rf"\b{_LABEL} ?(?:name)?[ \t]*[:\-][ \t]*(?P<v>{_NAME_WORD}(?: (?:[A-Z]\.? )?{_NAME_WORD}){{1,3}})",
            0.8,
        ),
        Pattern(
            "role_name",
            rf"\b(?i:claimant|customer|client|patient|applicant|tenant|colleague|employee|"
            rf"complainant|appellant|resident|pupil|student|caller|service user|"
            rf"team member|member of staff|staff member|neighbour|son|daughter|partner|"
            rf"husband|wife|mother|father|manager) (?P<v>{_NAME_WORD} (?:[A-Z]\.? )?{_NAME_WORD})\b",
            0.7,
        ),
        Pattern(
            "forename_surname",
            rf"\b(?P<v>(?:{_FORENAME_RX})(?:-[A-Z][a-z]+)? (?:[A-Z]\.? )?{_NAME_WORD})\b",
            0.6,
        ),
        Pattern(
            "forename_surname_upper",
            rf"\b(?P<v>(?:{_FORENAME_UPPER_RX})(?:-[A-Z]{{2,}})? (?:[A-Z]\.? )?{_UPPER_WORD})\b",
            0.6,
        ),
        Pattern(
            "honorific_name_upper",
            rf"\b(?P<v>(?:MR|MRS|MISS|MS|MX)\.? (?:[A-Z]\.? ){{0,3}}{_UPPER_WORD}(?: {_UPPER_WORD})?)\b",
            0.7,
        ),
        Pattern(
            "surname_comma_forename",
            rf"\b(?P<v>{_NAME_WORD}(?:-{_NAME_WORD})?, (?:{_FORENAME_RX}))\b",
            0.6,
        ),
        Pattern("salutation_name", rf"\bDear (?P<v>{_NAME_WORD}(?: {_NAME_WORD}){{0,2}})\b", 0.6),
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = [w.strip(".,") for w in pattern_text.split()]
        if pattern_text.isupper():
            # "MRS SMITH", "JOHN SMITH": the words after the first must not be common
            # capitalised non-names ("MARK SCHEME", "MS SOCIETY")
            return any(w.title() in NOT_NAME_WORDS or w.lower() in _NOT_NAMES for w in words[1:])
        if "," in pattern_text:  # "Surname, Forename": the surname is the doubtful word
            return words[0] in NOT_NAME_WORDS or words[0].lower() in _NOT_NAMES
        last = words[-1:]
        return all(w.lower() in _NOT_NAMES or w in NOT_NAME_WORDS for w in last)


#: Words after a capitalised pair that make it an organisation or place, not a person.
_ORG_NEXT = frozenset(
    """
    council councils ltd limited plc llp trust hospital hospitals school schools academy
    centre center university college group services service partnership association
    foundation bank society court tribunal police constabulary authority agency office
    road street avenue lane house estate park station airport church mosque temple
    surgery practice clinic pharmacy store stores shop supermarket branch line district
    borough county city town village valley bay beach museum gallery library club
    """.split()  # noqa: SIM905
)

_CUE = (
    r"(?:from|for|to|by|with|about|regarding|re|named|called|and|of|visited|"
    r"visit|saw|met|spoke to|phoned|rang|emailed|customer|claimant)"
)


class CuedNameRecogniser(Recogniser):
    """A capitalised pair after a cue word or a separator (``journal entry from Shona
    Whitfield``, ``UC journal - Shona Whitfield:``): possibly a name the forename list
    and the small NER model both miss. It counts only next to casework detail
    (``detectors/combine.py``), and organisations and places are dropped."""

    ENTITY = "PERSON"
    TIER = Tier.NAME_CUE
    PATTERNS = (
        Pattern(
            "cued_name",
            rf"(?:\b(?i:{_CUE})|[:\-]) (?P<v>{_NAME_WORD} {_NAME_WORD})\b",
            0.5,
        ),
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = pattern_text.split()
        return any(w in NOT_NAME_WORDS or w.lower() in _NOT_NAMES for w in words)

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        nxt = text[end : end + 20].split()
        if nxt and nxt[0].strip(".,;:()'\"").lower() in _ORG_NEXT:
            return None
        return start, end, self.ENTITY


def model_path(name_or_path: str) -> Path:
    """Find a spaCy model directory from a path or an installed package name, without
    importing the package (its ``__init__`` is never executed) and without network."""
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        return _model_dir(p)
    dist_name = name_or_path.replace("_", "-")
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for f in dist.files or ():
            if f.name == "config.cfg" and "dist-info" not in str(f):
                return Path(str(dist.locate_file(f))).parent
    spec = importlib.util.find_spec(name_or_path.replace("-", "_"))
    if spec is not None and spec.submodule_search_locations:
        return _model_dir(Path(next(iter(spec.submodule_search_locations))))
    raise FileNotFoundError(
        f"spaCy model {name_or_path!r} is neither a model directory nor an installed package"
    )


def _model_dir(root: Path) -> Path:
    if (root / "config.cfg").is_file():
        return root
    for cfg in sorted(root.glob("*/config.cfg")):
        return cfg.parent
    raise FileNotFoundError(f"no spaCy model (config.cfg) under {root}")


class SpacyPersonRecogniser(EntityRecognizer):
    """PERSON entities from spaCy NER, with only the ``ner`` pipe enabled."""

    ENTITIES: ClassVar[list[str]] = ["PERSON"]

    def __init__(self, model: str) -> None:
        self.model = model
        self.nlp = None
        super().__init__(supported_entities=self.ENTITIES, name="SpacyPersonRecogniser")

    def load(self) -> None:
        import spacy

        path = model_path(self.model)
        nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler"])
        keep = {"ner", "tok2vec"} if "tok2vec" in _ner_listens(nlp) else {"ner"}
        for pipe in list(nlp.pipe_names):
            if pipe not in keep:
                nlp.remove_pipe(pipe)
        self.nlp = nlp

    def persons(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """PERSON spans (char offsets) for each text, batched through ``nlp.pipe``."""
        out: list[list[tuple[int, int]]] = []
        for doc in self.nlp.pipe(texts, batch_size=32):
            spans = []
            for ent in doc.ents:
                if ent.label_ == "PERSON" and plausible_name(ent.text):
                    spans.append((ent.start_char, ent.end_char))
            out.append(spans)
        return out

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", s, e, 0.85) for s, e in self.persons([text])[0]]


def _ner_listens(nlp) -> set[str]:
    """Pipes the NER component listens to (shared tok2vec), if any."""
    try:
        ner = nlp.get_pipe("ner")
    except KeyError:
        return set()
    listeners = getattr(ner.model, "get_ref", None)
    try:
        tok2vec = ner.model.get_ref("tok2vec") if listeners else None
    except ValueError:
        return set()
    return {"tok2vec"} if tok2vec is not None and "Listener" in tok2vec.name else set()


_IMPERATIVE_NEXT = frozenset(
    (
        *("for", "to", "at", "the", "a", "an", "with", "on", "in", "of", "and", "your"),
        *("this", "that", "these", "those", "it", "me", "us", "up", "out"),
    )
)


def sentence_initial_verb(text: str, start: int, end: int) -> bool:
    """A one-word "name" opening a sentence and followed by a preposition or article is
    usually an imperative verb ("Aim for...", "Chase the...")."""
    head = text[max(0, start - 3) : start].strip(" \t\"'*-(")
    if head and head[-1] not in ".!?:\n" and start > 2:
        return False
    rest = text[end : end + 12].split()
    return bool(rest) and rest[0].lower() in _IMPERATIVE_NEXT


def plausible_name(text: str) -> bool:
    """Reject NER PERSON spans that are not names: no capital, digits, acronyms alone,
    or only words from a small list of benefits, verbs and months."""
    words = [w.strip(".,'\"()") for w in text.split()]
    words = [w for w in words if w]
    if not words or any(any(c.isdigit() for c in w) for w in words):
        return False
    if not any(w[0].isupper() for w in words):
        return False
    if len(words) == 1 and (words[0].isupper() or len(words[0]) < 2):
        return False
    return not all(w.lower() in _NOT_NAMES or w in NOT_NAME_WORDS for w in words)
