"""Keyword lexicons and the one-pass keyword index (RE2, linear time).

Groups:

* ``special:<TYPE>`` - special-category terms (health, disability, religion, ethnicity,
  sexual orientation, gender reassignment, pregnancy). They count as SPECIAL_CATEGORY
  only when related to an identified person (``detectors/combine.py``).
* ``personal`` - benefit and case detail (Universal Credit, sanction, arrears, tribunal,
  custody...): personal context that makes a name count.
* ``framing`` - words that frame a prompt as casework about a private individual
  (claimant, my client, draft a letter to...), used to tell casework from a
  general-knowledge question about a public figure.
* ``ctx:<ENTITY>`` - each recogniser's own context words.

Lexicon blobs are comma-separated phrases (newlines are just spacing).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import re2

SPECIAL: dict[str, str] = {
    "HEALTH": """
        diagnosed, diagnosis, depression, depressed, anxiety, anxiety disorder, panic attacks,
        ptsd, post-traumatic stress, cancer, tumour, chemotherapy, radiotherapy, leukaemia,
        diabetes, diabetic, insulin, hiv, hiv positive, schizophrenia, schizophrenic, bipolar,
        psychosis, psychotic, personality disorder, eating disorder, anorexia, bulimia, ocd,
        adhd, autism, autistic, asperger's, dementia, alzheimer's, parkinson's, epilepsy,
        epileptic, seizures, multiple sclerosis, motor neurone disease, stroke, heart attack,
        heart condition, heart failure, angina, copd, asthma, arthritis, fibromyalgia,
        chronic fatigue, chronic pain, long covid, mental health, mental illness,
        mental health condition, self-harm, self harm, self-harming, suicidal,
        suicide attempt, attempted suicide, overdose, overdosed, addiction, alcoholism,
        alcoholic, alcohol dependency, substance misuse, drug addiction, heroin, methadone,
        sectioned, psychiatric, psychiatrist, counselling, antidepressants, antidepressant,
        sertraline, fluoxetine, citalopram, lithium, olanzapine, medication,
        hospitalised, admitted to hospital, inpatient, surgery, terminal illness,
        terminally ill, palliative care, kidney disease, kidney failure, dialysis,
        liver disease, cirrhosis, hepatitis, tuberculosis, sickle cell, crohn's, colitis,
        migraines, chronic illness, long-term condition, long term condition, illness,
        medical condition, health condition, health conditions, cerebral palsy,
        down syndrome, down's syndrome, brain injury, covid-19, chlamydia, syphilis,
        sick, unwell, injury, injured, mental breakdown, breakdown, grief counselling,
        sickness, long-term sickness, long term sickness, off sick, signed off sick,
        signed off work, signed me off, signed him off, signed her off, stress-related,
        work-related stress, stress and anxiety, low mood, suicidal thoughts,
        mental health crisis, crisis team, community mental health team, cmht,
        outpatient, a&e, ambulance, hip replacement,
        knee replacement, physiotherapy, chronic back pain, back problems, back injury,
        broken leg, broken arm, fractured, concussion, learning needs, special needs,
        ehcp, neurodivergent, neurodiverse, tourette's, chronic kidney disease,
        cystic fibrosis, muscular dystrophy, lupus, endometriosis, menopause, ptsd diagnosis,
        alcohol problem, drinking problem, drug problem, drug use, rehab, detox,
        prescribed, prescription, on medication
        """,
    "DISABILITY": """
        disabled, disability, disabilities, learning disability, learning difficulties,
        wheelchair, wheelchair user, blind, partially sighted, visually impaired, deaf,
        hard of hearing, hearing impaired, hearing loss, amputee, amputation, paralysed,
        paraplegic, tetraplegic, mobility problems, mobility issues, dyslexia, dyslexic,
        dyspraxia, blue badge, reasonable adjustments, walking frame, walking stick,
        crutches, mobility scooter, mobility aid, hearing aid, hearing aids, guide dog,
        sign language, bsl interpreter, registered blind, sight impaired, severely sight
        impaired, housebound, bed-bound, bedbound, stairlift, adapted bathroom,
        personal care, needs help washing, needs help dressing, carer visits
        """,
    "RELIGION": """
        muslim, islam, islamic, practising muslim, christian faith, is a christian,
        is christian, catholic, roman catholic, protestant, anglican, evangelical, jewish,
        judaism, orthodox jew, hindu, hinduism, sikh, sikhism, buddhist, buddhism, atheist,
        agnostic, jehovah's witness, mormon, mosque, synagogue, gurdwara, religion,
        religious, religious beliefs, ramadan, hijab, niqab, burka, kippah, yarmulke,
        turban, converted to islam, converted to christianity
        """,
    "ETHNICITY": """
        ethnicity, ethnic origin, ethnic background, ethnic minority, bame, black british,
        black african, black caribbean, white british, white irish, mixed race,
        mixed ethnicity, mixed heritage, british asian, asian british, british indian,
        british pakistani, pakistani heritage, bangladeshi heritage, indian heritage,
        chinese heritage, gypsy, roma, irish traveller, traveller community, romany,
        arab heritage, somali heritage, nigerian heritage, racial
        """,
    "SEXUAL_ORIENTATION": """
        gay, lesbian, bisexual, homosexual, heterosexual, queer, lgbt, lgbtq, lgbtqia,
        same-sex partner, same sex partner, same-sex relationship, same sex relationship,
        sexual orientation, sexuality, came out
        """,
    "GENDER_REASSIGNMENT": """
        transgender, trans woman, trans man, trans person, is trans, are trans, being trans, transitioning, transitioned,
        gender reassignment, gender identity, gender recognition certificate, non-binary,
        nonbinary, gender dysphoria, deadname, deadnamed, transsexual, gender affirming,
        gender-affirming
        """,
    "PREGNANCY": """
        pregnant, pregnancy, weeks pregnant, months pregnant, expecting a baby,
        maternity leave, maternity allowance, antenatal, miscarriage, miscarried, ivf,
        stillbirth, termination of pregnancy, abortion, gave birth, due to give birth
        """,
}

PERSONAL = """
    universal credit, personal independence payment, pip, esa, employment and support allowance,
    jsa, jobseeker's allowance, jobseekers allowance, dla, disability living allowance,
    attendance allowance, carer's allowance, carers allowance, housing benefit,
    council tax reduction, council tax support, pension credit, state pension, child benefit,
    child tax credit, working tax credit, tax credits, child maintenance, bereavement support,
    statutory sick pay, ssp, budgeting advance, advance payment, benefit cap,
    sanction, sanctioned, sanctions, overpayment, overpaid, underpayment, deduction, deductions,
    arrears, rent arrears, debt, debts, owes, owed, eviction, evicted, homeless, homelessness,
    repossession, benefit, benefits, claim, claimed, claiming, entitlement, entitled,
    award, awarded, assessment, work capability assessment, wca, mandatory reconsideration,
    appeal, appealed, tribunal, fraud, investigation, interview under caution, prosecution,
    prosecuted, conviction, convicted, criminal record, offence, offences, arrested, charged,
    probation, prison, custody, sentenced, court hearing, divorce, separated,
    domestic abuse, domestic violence, safeguarding, social worker, social services,
    care plan, child protection, looked after child, foster care, vulnerable, deceased,
    died, death, bereavement, funeral, salary, wages, earnings, income, payslip, p60, p45,
    tax code, redundancy, redundant, dismissed, dismissal, disciplinary, grievance,
    sickness absence, sick leave, sick note, fit note, complaint, complained, case notes,
    case number, case reference, reference number, case file, visa, immigration status,
    asylum, refugee, leave to remain, deportation, bank account, bank statement,
    date of birth, dob, years old, year old, aged, lives at, lives in, lived at, living at,
    moved to, home address, landlord, tenancy, tenant, rent arrears,
    probation officer, police, caution, cautioned, bail, benefit claim,
    injury, phone number, mobile number, email address, partner, husband, wife, son,
    daughter, mother, father, carer, unemployed, excluded from school, missed appointment,
    my payment, my payments, my money, my claim, my rent, my landlord, my benefit,
    my benefits, my appointment, my work coach, my job, my new job, my hours, my wages,
    my children, my kids, my partner, my childcare, my address, my account,
    started a new job, new job, job offer, zero hours, hours a week, childcare costs,
    moved house, single parent, lone parent, food bank, cannot afford, can't afford,
    in debt, struggling to pay, no money
    """

#: Case detail that is about one individual's dealings with the department (journal
#: entries, fit notes, sanctions, grievances...). A name near one of these is casework
#: even in question form: public figures in general-knowledge questions do not have
#: journal entries or overpayments. (Also part of ``personal``.)
CASEWORK = """
    journal, journal entry, journal entries, journal message, journal note, uc journal,
    case note, case notes, case history, case record, case summary, handover note,
    claimant commitment, work search, work search review, work coach appointment,
    jobcentre appointment, missed appointment, failed to attend, good cause,
    fit note, fit notes, sick note, med3, statement of fitness for work, sickness absence,
    absence review, return to work, return-to-work, phased return, occupational health,
    home visit, visiting officer, welfare visit, safeguarding referral, safeguarding concern,
    safeguarding alert, safeguarding, referral, referral form, referral for, grievance,
    investigation into, investigated for, under investigation, fraud investigation,
    complaint from, complaint about, complaint against, formal complaint, tribunal bundle, grievance hearing,
    disciplinary, disciplinary hearing, capability hearing, performance improvement plan,
    investigation meeting, investigation report, compliance interview, compliance check,
    interview under caution, fraud referral, overpayment, overpayments, overpaid,
    underpayment, repayment plan, recovery of, debt recovery, debt management, arrears,
    rent arrears, council tax arrears, maintenance arrears, bailiff, bailiffs,
    enforcement agent, liability order, eviction notice, section 21, notice to quit,
    sanction, sanctioned, sanctions decision, sanction decision, hardship payment,
    advance payment, budgeting advance, award letter, decision letter, award notice,
    mandatory reconsideration, reconsideration, tribunal hearing, appeal hearing,
    work capability assessment, pip assessment, wca, assessment report, medical assessment,
    deduction from earnings, attachment of earnings, direct earnings attachment,
    discharge summary, discharge letter, care plan, care package, care assessment,
    needs assessment, visa refusal, asylum claim, asylum interview, leave to remain,
    removal directions, biometric residence permit, brp, reporting conditions,
    immigration bail, probation officer, probation appointment, licence conditions,
    custody hearing, child arrangements, contact order, child protection plan,
    child in need, section 47, pay as you earn record, tax investigation,
    late filing penalty, penalty notice, time to pay, payment plan, claim closed,
    claim was closed, payment stopped, payments stopped, suspended payment,
    benefit stopped, change of circumstances, change in circumstances, undeclared,
    failed to declare, did not declare, living together as
    """

FRAMING = """
    claimant, claimants, customer, customers, client, clients, tenant, applicant, patient,
    service user, caseworker, case worker, work coach, my client, our client, my customer,
    the claimant, the customer, the client, the applicant, the patient, the tenant,
    draft a letter, draft an email, draft a reply, write a letter, write an email,
    write a response, reply to, letter to, email to, dear, case notes, case file, referral,
    our records, on file, this person, this individual, the individual, colleague, employee,
    member of staff, staff member, my manager, my neighbour, my friend, my colleague,
    my son, my daughter, my wife, my husband, my partner, my mother, my father,
    they live, lives, complaint from, caller, the caller, resident, pupil,
    student, appellant, complainant, applicant's, claimant's, customer's, client's
    """

_SPLIT = re.compile(r"[\s\-]+")


def parse(blob: str) -> list[str]:
    """Comma-separated phrases of a lexicon blob."""
    return [" ".join(p.split()) for p in blob.split(",") if p.strip()]


def _key(s: str) -> str:
    return _SPLIT.sub(" ", s.lower().replace("'", "").replace("\u2019", "")).strip()


def _rx(phrase: str) -> str:
    parts = []
    for word in _SPLIT.split(phrase):
        parts.append("'?".join(re2.escape(piece) for piece in word.split("'")))
    return r"[\s\-]+".join(parts)


@dataclass(slots=True)
class Hits:
    """Keyword hits of one text: group → sorted starts, ends and labels."""

    starts: dict[str, list[int]] = field(default_factory=dict)
    ends: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)

    def add(self, group: str, start: int, end: int, label: str) -> None:
        self.starts.setdefault(group, []).append(start)
        self.ends.setdefault(group, []).append(end)
        self.labels.setdefault(group, []).append(label)

    def near(self, group: str, start: int, end: int, before: int, after: int | None = None) -> bool:
        """Is there a hit of ``group`` starting within ``[start-before, end+after]``?"""
        starts = self.starts.get(group)
        if not starts:
            return False
        after = before if after is None else after
        i = bisect.bisect_left(starts, start - before)
        return i < len(starts) and starts[i] <= end + after

    def spans(self, group: str) -> list[tuple[int, int, str]]:
        return list(
            zip(
                self.starts.get(group, []),
                self.ends.get(group, []),
                self.labels.get(group, []),
                strict=True,
            )
        )

    def groups_with_prefix(self, prefix: str) -> list[str]:
        return [g for g in self.starts if g.startswith(prefix)]


#: Nouns that turn a case-detail or special-category word into a work topic: the
#: "overpayment process", "safeguarding training", "referral form", "eviction
#: protections", "mental health awareness" are not facts about a person.
_TOPIC_NEXT = frozenset(
    """
    process processes policy policies procedure procedures training guidance template
    templates form forms figures statistics stats data team teams system systems strategy
    framework project programme protections rules legislation bill law laws reform reforms
    workshop workshops course courses awareness campaign pilot backlog backlogs volumes
    performance dashboard map toolkit handbook module slides presentation checklist leaflet
    poster lead leads champion champions network forum service services design rates rate
    trends trend research survey report reports figures guide guides faq faqs journey
    landscape sector provision funding budget budgets target targets kpi kpis metrics
    """.split()  # noqa: SIM905
)
_TOPIC_GROUPS = ("personal", "casework")


def drop_topics(text: str, hits: Hits) -> Hits:
    """Hits without case-detail / special-category words used as a work topic (the word
    right after is a topic noun: "overpayment process", "disability policy")."""
    out = Hits()
    for group in hits.starts:
        topical = group in _TOPIC_GROUPS or group.startswith("special:")
        for s, e, label in hits.spans(group):
            if topical:
                nxt = text[e : e + 24].lstrip(" -").split(maxsplit=1)
                if nxt and nxt[0].strip(".,;:!?)'\"").lower() in _TOPIC_NEXT:
                    continue
            out.add(group, s, e, label)
    return out


class KeywordIndex:
    """Every phrase of every group in one case-insensitive RE2 (longest match)."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self._groups: dict[str, set[str]] = {}
        alts: list[str] = []
        for group, phrases in groups.items():
            for phrase in phrases:
                key = _key(phrase)
                if not key:
                    continue
                if key not in self._groups:
                    alts.append(_rx(phrase))
                self._groups.setdefault(key, set()).add(group)
        # a longer phrase hides the shorter ones inside it (one leftmost-longest pass):
        # "the claimant" is framing and also the NHS recogniser's "claimant" context, so
        # a phrase inherits its sub-phrases' groups (special-category terms excepted:
        # "statutory sick pay" is not a health fact)
        for key in list(self._groups):
            words = key.split()
            for i in range(len(words)):
                for j in range(i + 1, len(words) + 1):
                    sub = " ".join(words[i:j])
                    if sub != key and sub in self._groups:
                        self._groups[key] |= {
                            g for g in self._groups[sub] if not g.startswith("special:")
                        }
        opts = re2.Options()
        opts.case_sensitive = False
        opts.longest_match = True
        opts.max_mem = 256 << 20
        self._rx = re2.compile(r"\b(?:" + "|".join(alts) + r")\b", opts) if alts else None

    def scan(self, text: str, data: bytes, b2c) -> Hits:
        hits = Hits()
        if self._rx is None:
            return hits
        for m in self._rx.finditer(data):
            s, e = m.span()
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            key = _key(text[s:e])
            for group in self._groups.get(key, ()):
                hits.add(group, s, e, key)
        return hits


def default_groups() -> dict[str, list[str]]:
    """The special-category, personal-context and framing groups."""
    groups = {f"special:{name}": parse(blob) for name, blob in SPECIAL.items()}
    groups["personal"] = parse(PERSONAL)
    groups["framing"] = parse(FRAMING)
    groups["casework"] = parse(CASEWORK)
    groups["personal"] += groups["casework"]
    return groups
