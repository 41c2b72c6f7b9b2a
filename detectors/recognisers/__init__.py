"""Recogniser families: one module each. :data:`ALL` lists the classes the engine loads."""

from __future__ import annotations

from detectors.recognisers.address import StreetAddressRecogniser
from detectors.recognisers.bank import SortCodeAccountRecogniser
from detectors.recognisers.card import PaymentCardRecogniser
from detectors.recognisers.credentials import CREDENTIAL_RECOGNISERS
from detectors.recognisers.dob import DateOfBirthRecogniser
from detectors.recognisers.driving_licence import UkDrivingLicenceRecogniser
from detectors.recognisers.email import EmailRecogniser
from detectors.recognisers.iban import IbanRecogniser
from detectors.recognisers.ip import IpAddressRecogniser
from detectors.recognisers.markings import MarkingRecogniser
from detectors.recognisers.mrz import MrzRecogniser
from detectors.recognisers.national_id import national_id_recognisers
from detectors.recognisers.nhs import NhsNumberRecogniser
from detectors.recognisers.nino import NinoRecogniser
from detectors.recognisers.passport import UkPassportRecogniser
from detectors.recognisers.person import CuedNameRecogniser, NamePatternRecogniser
from detectors.recognisers.phone import UkPhoneRecogniser
from detectors.recognisers.phone_intl import InternationalPhoneRecogniser
from detectors.recognisers.postcode import UkPostcodeRecogniser
from detectors.recognisers.reference import PersonReferenceRecogniser
from detectors.recognisers.special import EthnicOriginRecogniser
from detectors.recognisers.staff import StaffNumberRecogniser
from detectors.recognisers.utr import UtrRecogniser

ALL = (
    NinoRecogniser,
    NhsNumberRecogniser,
    UkPostcodeRecogniser,
    UkPhoneRecogniser,
    InternationalPhoneRecogniser,
    EmailRecogniser,
    DateOfBirthRecogniser,
    StreetAddressRecogniser,
    SortCodeAccountRecogniser,
    IbanRecogniser,
    PaymentCardRecogniser,
    UkPassportRecogniser,
    MrzRecogniser,
    UkDrivingLicenceRecogniser,
    UtrRecogniser,
    IpAddressRecogniser,
    NamePatternRecogniser,
    CuedNameRecogniser,
    StaffNumberRecogniser,
    PersonReferenceRecogniser,
    EthnicOriginRecogniser,
    MarkingRecogniser,
    *national_id_recognisers(),
    *CREDENTIAL_RECOGNISERS,
)
