"""Approval tokens: every way a token can fail, and the checks that make one valid."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proxy.approvals import ApprovalStore, issue_token, parse_duration
from proxy.approvals.tokens import RESULTS, ApprovalClaims

from .conftest import NOW, Board


def check(store: ApprovalStore, token: str, **kw):
    args = {"user": "alice", "tool": "openai", "categories": ["PERSONAL_DATA"], "now": NOW}
    args.update(kw)
    return store.check_token(token, **args)


def test_valid_token_is_valid_and_audited(store: ApprovalStore, board: Board) -> None:
    result = check(store, board.sign())
    assert result.result == "valid"
    assert result.approval is not None
    assert result.approval.audit() == {"jti": "jti-1", "ref": "DPIA-123", "issuer": "DPO"}


def test_issue_token_roundtrip(store: ApprovalStore, board: Board) -> None:
    token = issue_token(
        board.key,
        iss="DPO",
        sub="alice",
        categories=["PERSONAL_DATA", "OFFICIAL_SENSITIVE"],
        tools=["openai"],
        ref="DPIA-9",
        purpose="casework summaries",
        ttl_seconds=3600,
        now=NOW,
    )
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    result = check(store, token, categories=["OFFICIAL_SENSITIVE", "PERSONAL_DATA"])
    assert result.valid
    assert result.approval.purpose == "casework summaries"
    assert result.approval.exp == NOW + 3600


def _tamper(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


def test_tampered_claims_are_invalid(store: ApprovalStore, board: Board) -> None:
    token = _tamper(board.sign(), categories=["PERSONAL_DATA", "SPECIAL_CATEGORY"])
    result = check(store, token)
    assert result.result == "invalid"
    assert result.approval is None
    assert "signature" in result.detail


def test_tampered_signature_is_invalid(store: ApprovalStore, board: Board) -> None:
    header, payload, sig = board.sign().split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert check(store, f"{header}.{payload}.{flipped}").result == "invalid"


def test_wrong_key_is_invalid(store: ApprovalStore, other_board: Board) -> None:
    # Same issuer name, a key the proxy does not trust.
    result = check(store, other_board.sign())
    assert result.result == "invalid"


def test_unknown_issuer_is_invalid(store: ApprovalStore, board: Board) -> None:
    result = check(store, board.sign(iss="EVIL"))
    assert result.result == "invalid"
    assert "trusted issuer" in result.detail


def test_other_algorithms_are_invalid(store: ApprovalStore, board: Board) -> None:
    hs = jwt.encode(board.claims(), "secret-key-material-long-enough-32b", algorithm="HS256")
    assert check(store, hs).result == "invalid"
    unsigned = jwt.encode(board.claims(), None, algorithm="none")
    assert check(store, unsigned).result == "invalid"


def test_wrong_audience_is_invalid(store: ApprovalStore, board: Board) -> None:
    result = check(store, board.sign(aud="someone-else"))
    assert result.result == "invalid"
    assert "audience" in result.detail


def test_expired(store: ApprovalStore, board: Board) -> None:
    token = board.sign(iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 3600)
    result = check(store, token)
    assert result.result == "expired"
    assert result.approval is None


def test_expiry_leeway(store: ApprovalStore, board: Board) -> None:
    token = board.sign(iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 10)  # within 30 s leeway
    assert check(store, token).valid
    assert check(store, token, now=NOW + 25).result == "expired"


def test_nbf_in_future_is_invalid(store: ApprovalStore, board: Board) -> None:
    token = board.sign(iat=NOW, nbf=NOW + 3600, exp=NOW + 7200)
    result = check(store, token)
    assert result.result == "invalid"
    assert "not valid yet" in result.detail
    assert check(store, token, now=NOW + 3600).valid


def test_revoked(store: ApprovalStore, board: Board, revocations) -> None:
    revocations.write_text("# list\nother-jti\njti-1  # revoked by DPO\n")
    result = check(store, board.sign())
    assert result.result == "revoked"
    assert result.approval.jti == "jti-1"  # the audit trail still names it


def test_wrong_user(store: ApprovalStore, board: Board) -> None:
    assert check(store, board.sign(sub="bob")).result == "wrong_user"


def test_user_not_checked_without_proxy_auth(store: ApprovalStore, board: Board) -> None:
    assert check(store, board.sign(sub="bob"), user=None).valid


def test_wrong_tool(store: ApprovalStore, board: Board) -> None:
    assert check(store, board.sign(tools=["anthropic"])).result == "wrong_tool"


def test_any_tool(store: ApprovalStore, board: Board) -> None:
    assert check(store, board.sign(tools="*"), tool="anthropic").valid
    assert check(store, board.sign(tools=["*"]), tool="google_gemini").valid


def test_insufficient_categories(store: ApprovalStore, board: Board) -> None:
    token = board.sign(categories=["OFFICIAL_SENSITIVE"])
    result = check(store, token)
    assert result.result == "insufficient"
    assert "PERSONAL_DATA" in result.detail
    # Must cover EVERY category found, not just one of them.
    token = board.sign(categories=["PERSONAL_DATA"])
    assert check(store, token, categories=["PERSONAL_DATA", "CREDENTIALS"]).result == "insufficient"


def test_missing_ref_is_invalid(store: ApprovalStore, board: Board) -> None:
    result = check(store, board.sign(ref=None))
    assert result.result == "invalid"
    assert "ref" in result.detail
    assert check(store, board.sign(ref="   ")).result == "invalid"


@pytest.mark.parametrize("claim", ["sub", "exp", "nbf", "iat", "jti", "iss", "categories"])
def test_missing_required_claims_are_invalid(store: ApprovalStore, board: Board, claim) -> None:
    assert check(store, board.sign(**{claim: None})).result == "invalid"


def test_special_category_needs_equality_analysis(store: ApprovalStore, board: Board) -> None:
    token = board.sign(categories=["SPECIAL_CATEGORY", "PERSONAL_DATA"])
    result = check(store, token, categories=["SPECIAL_CATEGORY"])
    assert result.result == "invalid"
    assert "equality_analysis_ref" in result.detail
    token = board.sign(
        categories=["SPECIAL_CATEGORY", "PERSONAL_DATA"], equality_analysis_ref="EA-7"
    )
    assert check(store, token, categories=["SPECIAL_CATEGORY"]).valid


def test_unknown_category_is_invalid(store: ApprovalStore, board: Board) -> None:
    assert check(store, board.sign(categories=["EVERYTHING"])).result == "invalid"


def test_garbage_is_invalid(store: ApprovalStore) -> None:
    for token in ["", "not-a-jwt", "a.b.c", "x" * 10000]:
        assert check(store, token).result == "invalid"


def test_key_rotation_trusts_every_listed_key(tmp_path, board: Board, other_board: Board) -> None:
    from proxy.approvals import ApprovalSettings

    store = ApprovalStore(
        ApprovalSettings(issuers={"DPO": [str(board.public_path), str(other_board.public_path)]}),
        clock=lambda: NOW,
    )
    assert check(store, board.sign()).valid
    assert check(store, other_board.sign()).valid


def test_issue_refuses_bad_claims(board: Board) -> None:
    base = dict(iss="DPO", sub="alice", tools=["openai"], ref="DPIA-1", ttl_seconds=60)
    with pytest.raises(ValueError, match="equality_analysis_ref"):
        issue_token(board.key, categories=["SPECIAL_CATEGORY"], **base)
    with pytest.raises(ValueError, match="categories"):
        issue_token(board.key, categories=["NOPE"], **base)
    with pytest.raises(ValueError, match="ref"):
        issue_token(board.key, categories=["PERSONAL_DATA"], **{**base, "ref": ""})
    with pytest.raises(ValueError, match="ttl"):
        issue_token(board.key, categories=["PERSONAL_DATA"], **{**base, "ttl_seconds": 0})
    with pytest.raises(ValueError, match="ttl"):
        issue_token(board.key, categories=["PERSONAL_DATA"], **{**base, "ttl_seconds": 400 * 86400})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30d", 30 * 86400),
        ("12h", 43200),
        ("90m", 5400),
        ("45s", 45),
        ("2w", 1209600),
        ("1d12h", 129600),
        (" 7D ", 7 * 86400),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "3x", "-1d", "0d", "1.5d", "30 d", "1d-2h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_results_are_the_metric_contract() -> None:
    assert set(RESULTS) == {
        "valid",
        "expired",
        "revoked",
        "invalid",
        "insufficient",
        "wrong_user",
        "wrong_tool",
    }


def test_claims_model_rejects_exp_before_nbf() -> None:
    with pytest.raises(ValueError):
        ApprovalClaims.model_validate(
            {
                "iss": "DPO",
                "sub": "a",
                "aud": "aidlp",
                "exp": 1,
                "nbf": 2,
                "iat": 1,
                "jti": "j",
                "categories": ["PERSONAL_DATA"],
                "tools": "*",
                "ref": "r",
            }
        )


def test_token_never_in_detail(store: ApprovalStore, board: Board) -> None:
    token = board.sign(sub="bob", tools=["anthropic"])
    for kw in ({}, {"user": "alice"}, {"tool": "x"}):
        result = check(store, token, **kw)
        assert token not in result.detail
        assert token.split(".")[2] not in result.detail


def test_unrelated_key_type_signature_fails(store: ApprovalStore, board: Board) -> None:
    key = Ed25519PrivateKey.generate()
    token = jwt.encode(board.claims(), key, algorithm="EdDSA")
    assert check(store, token).result == "invalid"


@pytest.mark.parametrize(
    "garbage",
    [
        "eyJhbGciOiJFZERTQSJ9.e30.\udcff\udcfe",  # a raw non-UTF-8 header byte (surrogate-escaped)
        "\udce9yJhbGciOiJFZERTQSJ9.e30.sig",
        "eyJhbGciOiJFZERTQSJ9.é.sig",
        "a.b.c\x00",
        "eyJhbGciOiJFZERTQSJ9.e30.sig\r\nX-Other: 1",
    ],
)
def test_non_ascii_or_control_bytes_are_invalid_not_a_crash(
    store: ApprovalStore, board: Board, garbage: str
) -> None:
    """Header values come surrogate-escaped from mitmproxy; PyJWT would raise
    UnicodeEncodeError (not a PyJWTError) and fail open (issue 15)."""
    assert check(store, garbage).result == "invalid"
    assert check(store, board.sign() + garbage[-1]).result == "invalid"
    assert store.check(garbage, user=None, tool="openai", categories=["PERSONAL_DATA"]).result == (
        "invalid"
    )
