"""What one paper may cost (extractors/rules/limits.yaml): each static cap refuses with the limit it
broke, odd encodings are read, and spaCy's own length limit is never what stops a paper."""

import codecs
import re
import textwrap

import pytest
from bad_inputs import PAPER_TEXT, operator_bomb, raw_pdf, rects, stream_bomb
from conftest import ROOT

from extractors.dates import find_dates
from extractors.limits import Limits, default_limits
from extractors.pipeline import extract_document
from extractors.readers import UnreadableDocument, check_page_content, read_document

PAPER = ROOT / "tests" / "fixtures" / "audit" / "eastvale_csa_2017.txt"


def _blocks(doc):
    return [(b.kind, b.text, b.line_start) for b in doc.blocks]


def test_the_limits_come_from_the_rules_file_and_say_where_to_raise_them():
    limits = default_limits()
    assert limits.max_pages == 1000 and limits.max_list_items == 500 and limits.max_parse_seconds == 180.0
    err = limits.refuse("too long for one paper: 3,000 pages", "max_pages")
    assert err.reason == ("too long for one paper: 3,000 pages (limit 1,000, limits.max_pages in "
                          "extractors/rules/limits.yaml)")
    lowered = Limits.from_rules(max_lines=10)
    assert lowered.max_lines == 10 and lowered.fingerprint != limits.fingerprint


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_utf16_and_utf32_with_a_byte_order_mark_read_like_utf8(encoding):
    text = PAPER.read_text(encoding="utf-8")
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
           "utf-32-be": codecs.BOM_UTF32_BE, "utf-8": codecs.BOM_UTF8}[encoding]
    doc = read_document(bom + text.encode(encoding), "paper.txt")
    assert _blocks(doc) == _blocks(read_document(text.encode("utf-8"), "paper.txt"))
    assert len(extract_document(bom + text.encode(encoding), "paper.txt").lists) == 3


def test_a_byte_order_mark_over_bytes_of_another_encoding_is_refused_with_our_reason():
    with pytest.raises(UnreadableDocument, match=r"^undecodable text: starts with a UTF-16 byte-order mark"):
        read_document(codecs.BOM_UTF16_LE + b"\x00\xd8\x41", "odd.txt")  # a lone surrogate, odd length
    with pytest.raises(UnreadableDocument, match="binary file"):
        read_document(b"\x00\x00\x01\x02 no mark at all", "blob.txt")


def test_too_many_lines_is_refused_on_the_text_and_the_pdf_path():
    limits = Limits.from_rules(max_lines=50)
    text = "Community Safety Partnership\n\n" + "".join(f"Crime and disorder line {i}\n" for i in range(60))
    with pytest.raises(UnreadableDocument) as err:
        read_document(text.encode(), "long.txt", limits)
    assert err.value.reason == ("too long for one paper: more than 50 lines (limit 50, limits.max_lines in "
                                "extractors/rules/limits.yaml)")
    lines = b"".join(f"BT /F1 9 Tf 72 {780 - 12 * i} Td (Line {i} of a long page) Tj ET\n".encode() for i in range(60))
    with pytest.raises(UnreadableDocument, match=r"more than 50 lines \(limit 50, limits.max_lines"):
        read_document(raw_pdf([lines]), "long.pdf", limits)
    assert read_document(raw_pdf([lines]), "long.pdf").page_count == 1  # the default limit lets it through


def test_a_list_longer_than_the_cap_refuses_the_paper():
    bullets = "".join(f"- Tackling {chr(97 + i % 26)}{chr(97 + i // 26 % 26)} crime\n" for i in range(120))
    text = f"# Community Safety Partnership\n\nThe partnership's priorities for crime and disorder are:\n\n{bullets}"
    with pytest.raises(UnreadableDocument) as err:
        extract_document(text.encode(), "dump.md", Limits.from_rules(max_list_items=100))
    assert err.value.reason.startswith("list too long: 120 items under ")
    assert err.value.reason.endswith("(limit 100, limits.max_list_items in extractors/rules/limits.yaml): "
                                     "a dump of bullets, not a list of priorities")
    assert [len(lst.items) for lst in extract_document(text.encode(), "dump.md").lists] == [120]


def test_spacys_own_length_limit_is_never_what_stops_a_paper():
    # issue 16: a passage over 1,000,000 characters failed with spaCy's E088, retried every run
    words = ["the", "partnership", "met", "on", "1", "April", "2020", "to", "discuss", "crime", "and", "disorder"]
    passage = " ".join(words[i % len(words)] for i in range(200_000))
    assert len(passage) > 1_000_000
    dates = find_dates(passage)
    assert len(dates) == 200_000 // len(words) + 1 and dates[0].text == "1 April 2020"
    # as one printed line: each date quotes the stretch around it, not the megabyte line (20 GB once loaded)
    doc = extract_document(f"Community Safety Partnership\n\nReport.\n\n{passage}\n".encode(), "huge.txt")
    assert len(doc.dates) == len(dates)
    tenth = [m.start() for m in re.finditer("1 April 2020", passage)][10]
    assert doc.dates[10].text == "…" + passage[tenth - 200:tenth + 212] + "…"
    assert max(len(d.text) for d in doc.dates) <= 2 * 200 + len("1 April 2020") + 2
    # as a paragraph wrapped over 16,000 lines: each date on its own printed line
    wrapped = "\n".join(textwrap.wrap(passage, 80))
    doc = extract_document(f"Community Safety Partnership\n\nReport.\n\n{wrapped}\n".encode(), "wrapped.txt")
    assert len(doc.dates) == len(dates) and max(len(d.text) for d in doc.dates) <= 80


def test_a_content_stream_that_inflates_past_the_cap_is_refused_before_layout():
    limits = Limits.from_rules(max_stream_bytes=1_000_000)
    bomb = stream_bomb(2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(UnreadableDocument) as err:
        read_document(bomb, "bomb.pdf", limits)
    assert err.value.reason == (
        "PDF stream too large: a content stream on page 1 inflates past 1,000,000 bytes (limit 1,000,000 bytes, "
        "limits.max_stream_bytes in extractors/rules/limits.yaml): a compression bomb or a huge drawing, not a "
        "paper's text")
    assert read_document(stream_bomb(500_000), "small.pdf", limits).blocks[0].text.startswith("Community Safety")


def test_a_page_drawing_more_operators_than_the_cap_is_refused_before_layout():
    limits = Limits.from_rules(max_page_operators=5_000)
    with pytest.raises(UnreadableDocument) as err:
        read_document(operator_bomb(20_000), "drawing.pdf", limits)
    # 10,000 rectangles of 2 operators each, and the paper line's BT, Tf, Td, Tj, ET
    assert err.value.reason == (
        "too many drawing operators: page 1 has 20,005 (limit 5,000, limits.max_page_operators in "
        "extractors/rules/limits.yaml): a drawing or a bomb, not a paper's text")
    read_document(operator_bomb(4_000), "chart.pdf", limits)  # under the cap: read as usual


def test_operators_are_counted_outside_strings_and_names():
    import io

    import pdfplumber

    content = PAPER_TEXT + b"BT /F1 9 Tf 72 700 Td (re f Tj m l inside a string) Tj [(a) 20 (b)] TJ ET\n" + rects(3)
    with pdfplumber.open(io.BytesIO(raw_pdf([content]))) as pdf:
        page = pdf.pages[0].page_obj
        # BT Tf Td Tj ET, then BT Tf Td Tj TJ ET, then 're f' three times; none of the string's words
        check_page_content(page, 1, Limits.from_rules(max_page_operators=5 + 6 + 6))
        with pytest.raises(UnreadableDocument, match="page 1 has 17 "):
            check_page_content(page, 1, Limits.from_rules(max_page_operators=16))
