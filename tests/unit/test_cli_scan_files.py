"""`aidlp scan` for detector developers (issues 18 and 20): documents and images through the
proxy's own extraction and OCR, line:column, masked matches, the file named in errors."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from PIL import Image, ImageDraw, ImageFont

from proxy.cli import main
from proxy.ocr import ocr_available

NINO = "JG 10 37 29 A"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_findings_show_line_column_and_a_masked_match(tmp_path: Path, capsys):
    """Rule: the table says where and what matched, never the whole value."""
    path = tmp_path / "note.txt"
    path.write_text(f"Case note\nClaimant NI number {NINO}\n")
    code, out, _ = run(capsys, "scan", str(path))
    assert code == 1
    row = next(line for line in out.splitlines() if "UK_NINO" in line)
    assert " 2:20 " in row and "JG" in row and "*" in row
    assert NINO not in out and NINO.replace(" ", "") not in out


def test_a_docx_is_read_through_the_proxys_extraction(tmp_path: Path, capsys):
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "OFFICIAL-SENSITIVE"
    document.add_paragraph("Briefing for the board.")
    path = tmp_path / "brief.docx"
    document.save(path)
    assert "OFFICIAL-SENSITIVE" in docx.Document(path).sections[0].header.paragraphs[0].text
    code, out, _ = run(capsys, "scan", str(path))
    assert code == 1 and "OFFICIAL_SENSITIVE" in out


@pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed")
def test_an_image_is_read_by_ocr_and_its_findings_say_so(tmp_path: Path, capsys):
    image = Image.new("RGB", (1000, 200), "white")
    face = ImageFont.truetype(str(FONT), 28) if FONT.is_file() else ImageFont.load_default(28)
    ImageDraw.Draw(image).text((30, 60), f"Claimant NI number {NINO}", fill="black", font=face)
    path = tmp_path / "shot.png"
    image.save(path)
    code, out, _ = run(capsys, "scan", str(path))
    assert code == 1
    assert any("UK_NINO" in line and "(image)" in line for line in out.splitlines())


def test_errors_name_the_file(tmp_path: Path, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe not utf-8 \xc3")
    code, _, err = run(capsys, "scan", str(path))
    assert code == 2 and str(path) in err
    code, _, err = run(capsys, "scan", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in err
