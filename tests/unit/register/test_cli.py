"""`aidlp register ...` and `aidlp report ...` through the real command line (in process)."""

from __future__ import annotations

import json

from proxy.cli import main
from proxy.register.subjects import lookup_hmacs
from tests.unit.register.helpers import decision

KEY = b"dpo-subject-key-for-the-cli-test"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_every_report(tmp_path, capsys):
    key_file = tmp_path / "dpo.key"
    key_file.write_bytes(KEY)
    nino = lookup_hmacs([KEY], "nino", "JG103729A")[0]
    events = [
        decision(day="2026-11-28"),
        decision("ai.request.blocked", day="2026-11-29", categories=("PERSONAL_DATA",),
                 subjects=[("nino", nino)]),
        decision("ai.request.approved", day="2026-11-30", categories=("PERSONAL_DATA",),
                 approval={"jti": "j1", "ref": "DPIA-9", "issuer": "DPO"}, reason="approved"),
    ]  # fmt: skip
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in events))
    reg = ("--register", str(tmp_path / "reg"))
    code, out, _ = run(capsys, "report", "usage", *reg)
    assert code == 2  # nothing imported yet: no register, and none is created
    assert not (tmp_path / "reg").exists()
    code, out, _ = run(capsys, "register", "import", str(source), *reg)
    assert code == 0 and "imported 3 new events" in out
    code, out, _ = run(capsys, "report", "usage", *reg, "--format", "json", "--from", "2026-11-29")
    assert json.loads(out)["total"]["requests"] == 2
    code, out, _ = run(capsys, "report", "usage", *reg, "--group-by", "day", "--format", "csv")
    assert out.splitlines()[1].startswith("2026-11-28,1,1,0,0,0")
    page = tmp_path / "usage.html"
    code, _, _ = run(capsys, "report", "usage", *reg, "--format", "html", "--out", str(page))
    assert code == 0 and 'id="usage-chart"' in page.read_text()
    code, out, _ = run(capsys, "report", "approvals", *reg)
    assert "DPIA-9" in out
    code, out, _ = run(capsys, "report", "user", "alice", *reg, "--format", "json")
    assert json.loads(out)["total"]["requests"] == 3
    code, out, _ = run(capsys, "report", "subject", "--nino", "jg 10 37 29 a", "--key", str(key_file), *reg, "--format", "json")  # fmt: skip
    assert [m["outcome"] for m in json.loads(out)["matches"]] == ["blocked"]
    code, _, err = run(capsys, "report", "subject", "--nino", "JG 10", "--key", str(key_file), *reg)
    assert code == 2 and "not a valid nino" in err
    code, _, err = run(capsys, "report", "subject", "--nino", "JG103729A", *reg)
    assert code == 2 and "no subject key" in err
    code, _, err = run(capsys, "report", "usage", *reg, "--from", "last week")
    assert code == 2 and "expected YYYY-MM-DD" in err
    code, out, _ = run(capsys, "register", "info", *reg)
    assert json.loads(out)["events"] == 3 and json.loads(out)["schema_version"] >= 2
    code, out, _ = run(capsys, "register", "purge", *reg)
    assert code == 0 and "older than 400 days" in out
