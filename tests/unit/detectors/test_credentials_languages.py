"""Credentials, issue 14: a password stated in German, French, Welsh, Spanish (and, RT-150,
Dutch, Portuguese, Italian, Polish, Nordic, Finnish, Turkish, Czech, Hungarian, Romanian,
Croatian) prose
(``Passwort:``, ``mot de passe :``, ``cyfrinair:``, ``la contraseña es``), both sides:
the value found with a colon or after the verb, and what such sentences also say (the
password is wrong, required, a placeholder, a word) passes. Values made up here."""

from __future__ import annotations

from functools import cache

import pytest

from detectors.engine import _byte_to_char
from detectors.recognisers.credentials import CredentialRecogniser

WITH_PASSWORDS = [
    # German
    "Das Passwort ist Gr4nary&Wharf19, bitte nicht weitergeben.",
    "Passwort: Leeds#Quarry2025",
    "Das Passwort für das WLAN lautet Harrogate!Spa7",
    "Kennwort = Otter99!brook",
    "Mein neues Passwort ist jetzt Kettle-Biscuit42",
    # French
    "Le mot de passe est Tulip!Garden2026, merci de le changer.",
    "mot de passe : Penguin-Ice-45",
    "Le mot de passe du compte admin est Quill&Ink2026",
    "mot-de-passe=Marmalade#14",
    # Welsh
    "Mae'r cyfrinair yn Castell#Caerdydd24",
    "cyfrinair: Llanelli!Rygbi19",
    "Y cyfrinair ar gyfer y wi-fi yw Eryri-2026-Haf",
    # Spanish
    "La contraseña es Playa#Sol2026",
    "contraseña: Madrid!Norte88",
    # more languages (RT-150), with and without their accents
    "Het wachtwoord van de wifi is Zomer#2025x",  # Dutch
    "wachtwoord: Tulpen!88veld",
    "A senha do portal é Lisboa@2024",  # Portuguese
    "senha: Porto#Rio77",
    "La password del server è Roma!2025xy",  # Italian
    "la password e Roma!2025xy",
    "Hasło do poczty to Krakow#77abc",  # Polish
    "haslo: Wisla!2024pl",
    "Lösenordet till nätverket är Fika!2025",  # Swedish
    "Passordet er Fjord#2024",  # Norwegian
    "Adgangskoden er Hygge!2025",  # Danish
    "Salasana on Sauna#2025",  # Finnish
    "Şifre: Ankara!2025",  # Turkish
    "Heslo je Praha#2025",  # Czech
    "A jelszó: Budapest#2025",  # Hungarian
    "Parola este Bucuresti#2025",  # Romanian
    "Lozinka je Zagreb!2025",  # Croatian
    # other scripts and more (red team pass, 2 Dec)
    "我的密码是Zq7!mVx2#Lp9",  # Chinese
    "密码：Zq7!mVx2#Lp9",
    "パスワードはZq7!mVx2#Lp9です",  # Japanese
    "비밀번호는 Zq7!mVx2#Lp9입니다",  # Korean
    "كلمة المرور هي Zq7!mVx2#Lp9",  # Arabic
    "הסיסמה שלי היא Zq7!mVx2#Lp9",  # Hebrew
    "मेरा पासवर्ड Zq7!mVx2#Lp9 है",  # Hindi
    "Мой пароль от почты Zq7!mVx2#Lp9",  # Russian
    "Пароль — Zq7!mVx2#Lp9",
    "Мій пароль Zq7!mVx2#Lp9",  # Ukrainian
    "La mia password di accesso è Zq7!mVx2#Lp9",  # Italian, a possessive
    "Fy nghyfrinair i yw Zq7!mVx2#Lp9",  # Welsh, the nasal mutation
    "Kata sandi saya adalah Zq7!mVx2#Lp9",  # Indonesian
    "Mật khẩu của tôi là Zq7!mVx2#Lp9",  # Vietnamese
]

WITHOUT_PASSWORDS = [
    "Das Passwort ist falsch.",
    "Passwort: ********",
    "Das Passwort ist erforderlich und muss 12 Zeichen lang sein.",
    "Passwort: <Ihr Passwort>",
    "Le mot de passe est incorrect, veuillez réessayer.",
    "mot de passe : votre_mot_de_passe",
    "Le mot de passe est obligatoire.",
    "Mae'r cyfrinair yn anghywir.",
    "cyfrinair: ${CYFRINAIR}",
    "La contraseña es obligatoria.",
    "contraseña: changeme",
    "Wie ändere ich mein Passwort? Das Passwort ist abgelaufen.",
    "Comment réinitialiser le mot de passe de mon compte ?",
    # more languages (RT-150): the rule, a status word, a length, a placeholder
    "Het wachtwoord is te kort.",
    "Het wachtwoord is 12 tekens lang.",
    "A senha é obrigatória.",
    "Hasło to podstawa bezpieczeństwa.",
    "Lösenordet är för kort.",
    "Salasana on vaihdettava 90 päivän välein.",
    "Adgangskoden er forkert.",
    "La password è sbagliata.",
    "Heslo je neplatné.",
    "wachtwoord: ********",
    "senha: <sua senha>",
    "Şifre: ${SIFRE}",
    "la parola è importante per tutti",
    "a password everyone2 knows",
    # a long compound word is no passphrase in these languages (a digit is required)
    "Salasana on salasanakäytännönmukainen",
    "我忘记了密码，怎么重置？",
    "パスワードを変更してください。",
    "비밀번호를 잊어버렸어요.",
    "Я забыл пароль от почты, что делать?",
    "Пароль должен содержать 12 символов и цифры 2024",
    "密码长度至少8位，例如 abc12345",
    "كلمة المرور غير صحيحة",
    "Kata sandi saya adalah rahasia.",
]


@pytest.mark.parametrize("text", WITH_PASSWORDS)
def test_password_stated_in_another_language_is_found(engine, text: str) -> None:
    found = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert {f.entity_type for f in found} == {"GENERIC_PASSWORD"}, text
    value = text[found[0].start : found[0].end]
    assert any(c.isdigit() for c in value) and " " not in value


@pytest.mark.parametrize("text", WITHOUT_PASSWORDS)
def test_sentences_about_a_password_in_another_language_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories, text


_GITHUB = "ghp_wWPw3kR9xQ2mL7vT4nB8cY1zH6jF0sD5aE3u"
_OPENAI = "sk-proj-Ab3dE5gH7jK9mN2pQ4rS6tU8vW0xY2zA4bC6dE8fG0hJ2kL4"
_SLACK = "xoxb-2837461950-4719283746501-Kq7Zp2Xw9Lm4Nv8Rt3Yb6Hc1"

SPACED = [
    ("token: " + " ".join(_GITHUB), "GITHUB_TOKEN"),
    ("token: " + "\u00a0".join(_GITHUB), "GITHUB_TOKEN"),
    ("my key is " + " ".join(_OPENAI) + " thanks", "OPENAI_API_KEY"),
    ("key:\u00a0" + "\u00a0".join(_OPENAI), "OPENAI_API_KEY"),
    ("slack token " + " ".join(_SLACK), "SLACK_TOKEN"),
    ("slack token " + "\t".join(_SLACK), "SLACK_TOKEN"),
    ("SLACK_TOKEN=" + " ".join(_SLACK), "SLACK_TOKEN"),  # the key glued to the first letter
    ("OPENAI_API_KEY=" + "\u00a0".join(_OPENAI), "OPENAI_API_KEY"),
]
SPACED_LOOK_ALIKES = [
    "token: " + " ".join("abcdefghijklmnopqrstuvwxyz0123456789"),
    "H E L L O   W O R L D, a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "the token is a b c d then some words here",
    "key: " + " ".join("sk-proj-EXAMPLEKEYEXAMPLEKEYEXAMPLEKEY"),
]


@pytest.mark.parametrize(("text", "family"), SPACED)
def test_a_token_spelled_out_with_spaces_is_found(engine, text: str, family: str) -> None:
    """RT-133: a provider token spelled out one character at a time (space, tab, NBSP)."""
    found = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert family in {f.entity_type for f in found}, text


@pytest.mark.parametrize("text", SPACED_LOOK_ALIKES)
def test_spaced_letters_that_are_no_token_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories, text


#: no keyword and no prefilter anywhere: the recogniser's self-gate must still let the
#: spaced pass run (a gate that only asked for tables, quotes or escapes skipped these)
SPACED_NO_KEYWORD = [
    ("here it is: " + " ".join(_GITHUB), "GITHUB_TOKEN"),
    ("use this one " + " ".join(_SLACK) + " ok", "SLACK_TOKEN"),
    ("here you go\n" + "\u00a0".join(_OPENAI), "OPENAI_API_KEY"),
]
SPACED_PROSE = [
    "a b c d e f",
    "I T  I S   A   T R A P",
    "here it is: a b c d e f g h then the rest",
    "S O S, s o s, and x y z w v are letters",
]


@cache
def _recogniser() -> CredentialRecogniser:
    return CredentialRecogniser()


def _recogniser_hits(text: str) -> set[str]:
    """The recogniser alone (its own gate, no engine around it)."""
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    return {c.entity for c in _recogniser().candidates_for(0, text, data, b2c)}


@pytest.mark.parametrize(("text", "family"), SPACED_NO_KEYWORD)
def test_a_spelled_out_token_with_no_keyword_is_found(engine, text: str, family: str) -> None:
    assert family in _recogniser_hits(text), text
    found = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert family in {f.entity_type for f in found}, text


@pytest.mark.parametrize("text", SPACED_PROSE)
def test_spaced_prose_with_no_keyword_is_no_credential(engine, text: str) -> None:
    assert _recogniser_hits(text) == set(), text
    assert "CREDENTIALS" not in engine.scan(text).categories, text
