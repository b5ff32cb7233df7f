"""Bad input gives a one-line reason (UnreadableDocument), never a crash."""

import io

import pytest

from extractors.readers import UnreadableDocument, read_document


def _pdf(draw) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    draw(pdf)
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.txt", "empty file"),
        (b"   \n\n  \n", "blank.txt", "no text"),
        (b"\x00\x01\x02binary", "x.txt", "binary file"),
        (b"%PDF-1.7\n garbage garbage", "broken.pdf", "corrupt PDF"),
    ],
)
def test_bad_files_raise_a_reason(data, name, reason):
    with pytest.raises(UnreadableDocument) as err:
        read_document(data, name)
    assert reason in err.value.reason
    assert "\n" not in err.value.reason


def test_image_only_pdf_needs_ocr():
    data = _pdf(lambda pdf: pdf.rect(20, 20, 100, 50, style="F"))
    with pytest.raises(UnreadableDocument, match="needs OCR"):
        read_document(data, "scan.pdf")


def test_encrypted_pdf_is_reported():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Priorities")
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_document(bytes(pdf.output()), "locked.pdf")


def test_windows_1252_text_is_decoded():
    doc = read_document("Priorities\n\n- Road Safety \u2013 \u201cKSI\u201d\n".encode("cp1252"), "old.txt")
    assert doc.blocks[-1].text == "Road Safety – “KSI”"


def test_pdf_read_from_bytes_only():
    # readers are pure: no path is opened, the bytes are all they get
    data = _pdf(lambda pdf: (pdf.set_font("helvetica", size=11), pdf.cell(text="Subject: A paper")))
    assert read_document(io.BytesIO(data).getvalue(), "nowhere/on/disk.pdf").blocks[0].text == "Subject: A paper"
