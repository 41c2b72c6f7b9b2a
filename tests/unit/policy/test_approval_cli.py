"""`aidlp approval keygen | issue | verify | revoke`, run in-process through the real CLI."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest

from proxy.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def keys(tmp_path: Path, capsys) -> Path:
    code, _, _ = run(capsys, "approval", "keygen", "--out", str(tmp_path / "keys"), "--name", "dpo")
    assert code == 0
    return tmp_path / "keys"


@pytest.fixture
def config(tmp_path: Path, keys: Path) -> Path:
    (tmp_path / "revoked.txt").write_text("")
    path = tmp_path / "aidlp.yaml"
    path.write_text(
        "policy:\n  approvals:\n    issuers: {DPO: keys/dpo.pub}\n    revocations: revoked.txt\n"
    )
    return path


def issue(capsys, keys: Path, *extra: str) -> str:
    code, out, err = run(
        capsys,
        "approval",
        "issue",
        "--key",
        str(keys / "dpo.key"),
        "--sub",
        "alice",
        "--categories",
        "PERSONAL_DATA,OFFICIAL_SENSITIVE",
        "--tools",
        "openai",
        "anthropic",
        "--ref",
        "DPIA-123",
        "--ttl",
        "30d",
        *extra,
    )
    assert code == 0, err
    token = out.strip()
    assert token.count(".") == 2
    return token


def test_keygen_writes_private_key_0600(keys: Path) -> None:
    mode = stat.S_IMODE((keys / "dpo.key").stat().st_mode)
    assert mode == 0o600
    assert b"PRIVATE KEY" in (keys / "dpo.key").read_bytes()
    assert b"PUBLIC KEY" in (keys / "dpo.pub").read_bytes()


def test_keygen_refuses_to_overwrite(keys: Path, capsys) -> None:
    before = (keys / "dpo.key").read_bytes()
    code, _, err = run(capsys, "approval", "keygen", "--out", str(keys), "--name", "dpo")
    assert code == 2 and "already exists" in err
    assert (keys / "dpo.key").read_bytes() == before


def test_issue_claims(keys: Path, capsys) -> None:
    token = issue(capsys, keys, "--purpose", "case summaries", "--iss", "DDA", "--jti", "abc")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "DDA" and claims["sub"] == "alice" and claims["aud"] == "aidlp"
    assert claims["categories"] == ["PERSONAL_DATA", "OFFICIAL_SENSITIVE"]
    assert claims["tools"] == ["openai", "anthropic"]
    assert claims["ref"] == "DPIA-123" and claims["purpose"] == "case summaries"
    assert claims["exp"] - claims["nbf"] == 30 * 86400
    assert claims["jti"] == "abc"


def test_issue_writes_token_file_0600(keys: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "tokens" / "alice.jwt"
    token = issue(capsys, keys, "--out", str(out))
    assert out.read_text().strip() == token
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("ttl", ["30", "thirty days", "0d", "5y", "400d"])
def test_issue_bad_duration_exit_2(keys: Path, capsys, ttl: str) -> None:
    code, out, err = run(
        capsys,
        "approval",
        "issue",
        "--key",
        str(keys / "dpo.key"),
        "--sub",
        "a",
        "--categories",
        "PERSONAL_DATA",
        "--tools",
        "*",
        "--ref",
        "R",
        "--ttl",
        ttl,
    )
    assert code == 2 and out == ""
    assert "ttl" in err or "duration" in err


@pytest.mark.parametrize(
    ("keyfile", "expected"),
    [("dpo.pub", "this is a public key"), ("missing.key", "not found"), ("junk.key", "not a PEM")],
)
def test_issue_bad_key_exit_2(keys: Path, capsys, keyfile: str, expected: str) -> None:
    (keys / "junk.key").write_text("junk")
    code, out, err = run(
        capsys,
        "approval",
        "issue",
        "--key",
        str(keys / keyfile),
        "--sub",
        "a",
        "--categories",
        "PERSONAL_DATA",
        "--tools",
        "*",
        "--ref",
        "R",
        "--ttl",
        "1d",
    )
    assert code == 2 and out == ""
    assert expected in err


def test_issue_special_category_needs_equality_analysis(keys: Path, capsys) -> None:
    base = [
        "approval",
        "issue",
        "--key",
        str(keys / "dpo.key"),
        "--sub",
        "a",
        "--tools",
        "*",
        "--ref",
        "R",
        "--ttl",
        "1d",
        "--categories",
        "SPECIAL_CATEGORY",
    ]
    code, _, err = run(capsys, *base)
    assert code == 2 and "equality-analysis-ref" in err
    code, out, _ = run(capsys, *base, "--equality-analysis-ref", "EA-1")
    assert code == 0
    assert (
        jwt.decode(out.strip(), options={"verify_signature": False})["equality_analysis_ref"]
        == "EA-1"
    )


def test_issue_unknown_category_exit_2(keys: Path, capsys) -> None:
    code, _, err = run(
        capsys,
        "approval",
        "issue",
        "--key",
        str(keys / "dpo.key"),
        "--sub",
        "a",
        "--categories",
        "NAMES",
        "--tools",
        "*",
        "--ref",
        "R",
        "--ttl",
        "1d",
    )
    assert code == 2 and "unknown NAMES" in err


def test_verify_valid_then_revoked(keys: Path, config: Path, capsys) -> None:
    token = issue(capsys, keys, "--jti", "jti-42")
    code, out, _ = run(capsys, "approval", "verify", token, "--config", str(config))
    assert code == 0
    assert '"ref": "DPIA-123"' in out and "valid now" in out and ": yes" in out
    assert token not in out  # claims are shown, never the token

    ledger = str(keys / "dpo.issued.jsonl")
    code, out, _ = run(
        capsys, "approval", "revoke", "jti-42", "--config", str(config), "--ledger", ledger
    )
    assert code == 0
    assert "jti-42" in (config.parent / "revoked.txt").read_text()
    code, out, _ = run(capsys, "approval", "verify", token, "--config", str(config))
    assert code == 1 and "no: revoked" in out


def test_verify_checks_tool_user_categories(keys: Path, config: Path, capsys) -> None:
    token = issue(capsys, keys)
    base = ["approval", "verify", token, "--config", str(config)]
    assert run(capsys, *base, "--tool", "openai")[0] == 0
    code, out, _ = run(capsys, *base, "--tool", "google_gemini")
    assert code == 1 and "wrong_tool" in out
    code, out, _ = run(capsys, *base, "--user", "bob")
    assert code == 1 and "wrong_user" in out
    code, out, _ = run(capsys, *base, "--categories", "CREDENTIALS")
    assert code == 1 and "insufficient" in out


def test_verify_tampered_shows_unverified(keys: Path, config: Path, capsys, tmp_path) -> None:
    other = tmp_path / "other"
    run(capsys, "approval", "keygen", "--out", str(other), "--name", "dpo")
    code, out, _ = run(
        capsys,
        "approval",
        "issue",
        "--key",
        str(other / "dpo.key"),
        "--sub",
        "a",
        "--categories",
        "PERSONAL_DATA",
        "--tools",
        "*",
        "--ref",
        "R",
        "--ttl",
        "1d",
    )
    code, out, _ = run(capsys, "approval", "verify", out.strip(), "--config", str(config))
    assert code == 1
    assert "UNVERIFIED" in out and "no: invalid" in out


def test_verify_without_issuers_exit_2(keys: Path, capsys) -> None:
    token = issue(capsys, keys)
    code, _, err = run(capsys, "approval", "verify", token)
    assert code == 2 and "issuers" in err


def test_verify_reads_stdin(keys: Path, config: Path, capsys, monkeypatch) -> None:
    import io

    token = issue(capsys, keys)
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert run(capsys, "approval", "verify", "-", "--config", str(config))[0] == 0


def test_revoke_creates_file_and_is_idempotent(tmp_path: Path, capsys) -> None:
    path = tmp_path / "revoked.txt"
    revoke = ["approval", "revoke", "--force", "--revocations", str(path)]
    assert run(capsys, *revoke, "j1")[0] == 0
    assert run(capsys, *revoke, "j1")[0] == 0
    assert run(capsys, *revoke, "j2", "--note", "left")[0] == 0
    lines = [ln.split("#")[0].strip() for ln in path.read_text().splitlines()]
    assert lines == ["j1", "j2"]
    assert "left" in path.read_text()


def test_revoke_needs_a_list(capsys) -> None:
    code, _, err = run(capsys, "approval", "revoke", "j1")
    assert code == 2 and "revocations" in err


def test_revoke_rejects_bad_jti(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "approval", "revoke", "a b", "--revocations", str(tmp_path / "r"))
    assert code == 2 and "bad jti" in err


# ---- issue 18: tool ids checked, ledger, unknown jti refused, list with expiry ----------------


def test_issue_unknown_tool_exit_2_with_suggestion(keys: Path, capsys) -> None:
    """Rule: a token naming a tool id the catalogue does not know could never match: refuse it."""
    code, out, err = run(
        capsys, "approval", "issue", "--key", str(keys / "dpo.key"), "--sub", "alice",
        "--categories", "PERSONAL_DATA", "--tools", "opnai", "--ref", "DPIA-1", "--ttl", "1d",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert "'opnai' is not a tool id" in err and "did you mean openai?" in err


def test_issue_refuses_a_blocked_tool(keys: Path, capsys) -> None:
    """Rule: DeepSeek must never be accessed (PS6), so no board can approve it."""
    code, out, err = run(
        capsys, "approval", "issue", "--key", str(keys / "dpo.key"), "--sub", "alice",
        "--categories", "PERSONAL_DATA", "--tools", "deepseek", "--ref", "DPIA-1", "--ttl", "1d",
    )  # fmt: skip
    assert code == 2 and "blocked tool" in err and "PS6" in err and out == ""


def test_issue_records_the_ledger_without_the_token(keys: Path, capsys) -> None:
    """Rule: the board keeps a record of what it issued, never the bearer token itself."""
    token = issue(capsys, keys, "--jti", "jti-ledger")
    ledger = (keys / "dpo.issued.jsonl").read_text()
    record = __import__("json").loads(ledger.splitlines()[-1])
    assert record["jti"] == "jti-ledger" and record["sub"] == "alice"
    assert record["tools"] == ["openai", "anthropic"] and record["ref"] == "DPIA-123"
    assert token not in ledger and token.split(".")[2] not in ledger
    assert stat.S_IMODE((keys / "dpo.issued.jsonl").stat().st_mode) == 0o600


def test_revoke_unknown_jti_refused_without_force(keys: Path, config: Path, capsys) -> None:
    """Rule: revoking a jti nobody issued is almost always a typo: say so instead of succeeding."""
    issue(capsys, keys, "--jti", "jti-real")
    ledger = str(keys / "dpo.issued.jsonl")
    base = ["approval", "revoke", "--config", str(config), "--ledger", ledger]
    code, _, err = run(capsys, *base, "jti-typo")
    assert code == 2 and "unknown jti jti-typo" in err and "--force" in err
    assert "jti-typo" not in (config.parent / "revoked.txt").read_text()
    assert run(capsys, *base, "jti-real")[0] == 0
    assert run(capsys, *base, "--force", "jti-typo")[0] == 0


def test_revoke_knows_the_token_directory(keys: Path, tmp_path: Path, capsys) -> None:
    """Rule: a token registered in policy.approvals.token_dir is a known jti."""
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    (tmp_path / "revoked.txt").write_text("")
    (tokens / "alice.jwt").write_text(issue(capsys, keys, "--jti", "jti-dir") + "\n")
    cfg = tmp_path / "dir.yaml"
    cfg.write_text(
        "policy:\n  approvals:\n    issuers: {DPO: keys/dpo.pub}\n"
        "    revocations: revoked.txt\n    token_dir: tokens\n"
    )
    assert run(capsys, "approval", "revoke", "jti-dir", "--config", str(cfg))[0] == 0


def test_list_shows_status_and_expiry(keys: Path, tmp_path: Path, capsys) -> None:
    """Rule: `approval list` shows every registered and issued token with its expiry and status,
    flags those expiring soon, and never prints a token."""
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    soon = issue(capsys, keys, "--jti", "jti-soon", "--ttl", "2d")
    later = issue(capsys, keys, "--jti", "jti-later", "--ttl", "60d")
    gone = issue(capsys, keys, "--jti", "jti-gone", "--ttl", "60d")
    (tokens / "alice.jwt").write_text(f"{soon}\n{later}\n{gone}\n")
    (tmp_path / "revoked.txt").write_text("jti-gone\n")
    cfg = tmp_path / "list.yaml"
    cfg.write_text(
        "policy:\n  approvals:\n    issuers: {DPO: keys/dpo.pub}\n"
        "    revocations: revoked.txt\n    token_dir: tokens\n"
    )
    ledger = str(keys / "dpo.issued.jsonl")
    code, out, _ = run(capsys, "approval", "list", "--config", str(cfg), "--ledger", ledger)
    assert code == 0
    for token in (soon, later, gone):
        assert token not in out
    rows = {line.split()[1] + "/" + line.split()[0]: line for line in out.splitlines()[1:] if line}
    assert "valid (expiring soon)" in rows["jti-soon/registered"]
    assert "expiring" not in rows["jti-later/registered"]
    assert rows["jti-later/registered"].rstrip().endswith("valid")
    assert rows["jti-gone/registered"].rstrip().endswith("revoked")
    assert rows["jti-gone/ledger"].rstrip().endswith("revoked")
    assert "revoked jtis (1): jti-gone" in out

    code, out, _ = run(
        capsys, "approval", "list", "--config", str(cfg), "--ledger", ledger, "--format", "json"
    )
    data = __import__("json").loads(out)
    by = {(r["source"], r["jti"]): r for r in data["tokens"]}
    assert by[("registered", "jti-soon")]["expiring_soon"] is True
    assert by[("ledger", "jti-later")]["status"] == "issued"
    assert data["revoked"] == ["jti-gone"]


def test_list_rejects_a_damaged_ledger(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.issued.jsonl"
    bad.write_text('{"jti": "a"}\nnot json\n')
    code, _, err = run(capsys, "approval", "list", "--ledger", str(bad))
    assert code == 2 and "line 2" in err


@pytest.mark.parametrize("case", ["expired", "malformed", "unknown_issuer"])
def test_verify_exits_1_for_tokens_not_valid_now(
    keys: Path, config: Path, tmp_path: Path, capsys, case: str
) -> None:
    """Rule (DESIGN.md CLI contract): verify exits 1 for a token not valid now."""
    if case == "expired":
        from proxy.approvals import load_private_key

        valid = issue(capsys, keys)
        claims = jwt.decode(valid, options={"verify_signature": False})
        claims.update(iat=claims["iat"] - 90 * 86400, nbf=claims["nbf"] - 90 * 86400)
        claims["exp"] = claims["iat"] + 86400  # expired 89 days ago, properly signed
        token = jwt.encode(claims, load_private_key(keys / "dpo.key"), algorithm="EdDSA")
        code, out, _ = run(capsys, "approval", "verify", token, "--config", str(config))
        assert code == 1 and "no: expired" in out
        return
    if case == "malformed":
        token = "not.a-token"
    else:
        other = tmp_path / "other"
        assert run(capsys, "approval", "keygen", "--out", str(other), "--name", "x")[0] == 0
        token = run(
            capsys, "approval", "issue", "--key", str(other / "x.key"), "--sub", "alice",
            "--categories", "PERSONAL_DATA", "--tools", "openai", "--ref", "D", "--ttl", "1d",
        )[1].strip()  # fmt: skip
    code, out, _ = run(capsys, "approval", "verify", token, "--config", str(config))
    assert code == 1 and "valid now" in out and ": no:" in out
