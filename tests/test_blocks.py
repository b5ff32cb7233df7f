"""Block recognition on the seeds; every expectation checked by hand against the source text."""

from conftest import seed

from extractors.readers import read_text


def _after_heading(doc, heading_text, start_line=0):
    blocks = list(doc.blocks)
    i = next(
        i for i, b in enumerate(blocks)
        if b.kind == "heading" and b.text == heading_text and b.line_start >= start_line
    )
    items = []
    for block in blocks[i + 1 :]:
        if block.kind != "bullet":
            break
        items.append(block)
    return blocks[i], items


def test_markdown_report_priority_lists(parsed):
    doc = parsed(seed("000")).document
    heading, items = _after_heading(doc, "Priorities")
    assert heading.line_start == 28
    assert [b.text for b in items] == [
        "Anti-Social Behaviour", "Domestic Abuse", "Substance Misuse", "Safeguarding Vulnerable People",
        "Serious and Organised Crime", "Preventing Extremism and Hate", "Road Safety",
    ]
    assert [b.line_start for b in items] == list(range(30, 37))
    _, recommended = _after_heading(doc, "Priorities", start_line=70)
    assert recommended[4].text == "Serious Violence and Organised Crime" and recommended[4].line_start == 79


def test_plain_report_themes(parsed):
    doc = parsed(seed("002")).document
    _, items = _after_heading(doc, "Cross Cutting Themes")
    assert len(items) == 5
    assert (items[-1].text, items[-1].line_start) == ("Response and Recovery from Significant Community Events", 39)


def test_double_spaced_rendition_footer_cluster_is_furniture(parsed):
    doc = parsed(seed("001")).document
    assert [(ln.number, ln.text) for ln in doc.furniture] == [
        (1400, "Kent Community Safety Agreement (April 2017)"),
        (1406, "DRAFT Version 6.0 25"),
        (1412, "Kent Community Safety Agreement (Draft April 2022)"),
    ]
    assert not any("DRAFT Version" in b.text for b in doc.blocks)


def test_wrapped_heading_and_lost_glyph_bullets(parsed):
    doc = parsed(seed("001")).document
    heading = next(b for b in doc.blocks if b.number == "3." and b.kind == "heading")
    assert heading.text == "3. Key Changes to the Community Safety Landscape"
    assert (heading.line_start, heading.line_end) == (289, 290)
    lead = next(i for i, b in enumerate(doc.blocks) if b.text.endswith("Police and Crime Commissioner:-"))
    authorities = [b.text for b in doc.blocks[lead + 1 : lead + 8]]
    assert authorities[0] == "Kent Police" and authorities[-1] == "Local District/Borough Community Safety Partnerships"
    assert all(b.kind == "bullet" and b.marker == "" for b in doc.blocks[lead + 1 : lead + 8])


def test_plain_list_after_lead_in(parsed):
    doc = parsed(seed("001")).document
    heading, items = _after_heading(doc, "Kent CSA Priorities:")
    assert heading.line_start == 1799
    assert [b.text for b in items] == [
        "Violence Against Women and Girls (VAWG) & Domestic Abuse", "Anti-Social Behaviour",
        "Safeguarding Vulnerable People", "Serious Violence and Organised Crime", "Preventing Extremism and Hate",
        "Substance Misuse", "Road Safety",
    ]


def test_unruled_count_table_with_wrapped_labels(parsed):
    doc = parsed(seed("001")).document
    table = next(b for b in doc.blocks if b.kind == "table")
    rows = [r.cells for r in table.rows]
    assert rows[0] == ("Priority", "No. of CSPs Identifying these Issues")
    assert rows[1:4] == [
        ("Domestic Abuse", "12"),
        ("ASB / Environmental", "11"),
        ("Safeguarding and Vulnerability (including child sexual exploitation, exploitation, vulnerable people, "
         "repeat victims)", "9"),
    ]
    assert [r[1] for r in rows[1:]] == ["12", "11", "9", "9", "9", "8", "7", "6", "5", "5", "5", "4", "1"]
    assert rows[-1] == ("Road Safety", "1")
    assert table.rows[3].line == 1453  # a wrapped row keeps the line its label starts on


def test_tab_separated_tables(parsed):
    doc = parsed(seed("004")).document
    tables = [b for b in doc.blocks if b.kind == "table"]
    priorities = next(t for t in tables if t.rows[0].cells[0] == "PRIORITIES")
    assert priorities.rows[1].cells == ("Anti-social behaviour including environmental", "Domestic Abuse")
    assert priorities.rows[4].cells == ("CROSS-CUTTING THEMES", "Early Intervention, Prevention & Education")
    assert priorities.rows[5].cells == ("", "Priority Neighbourhoods / Geographic Focus")
    assessment = next(t for t in tables if t.rows[0].cells[0] == "Priority" and "CSPs" in t.rows[0].cells[1])
    assert assessment.rows[0].cells == ("Priority", "No. of CSPs selecting the priority")
    assert assessment.rows[4].cells == ("Theft", "6")  # <b>, </b> and the footnote <sup>1</sup> removed
    assert len(assessment.rows) == 13


def test_header_table_with_cyrillic_to(parsed):
    doc = parsed(seed("003")).document
    header = doc.blocks[0]
    assert header.kind == "table"
    assert header.rows[1].cells == ("To:", "Kent Community Safety Partnership – 14th October 2014")


def test_numbered_list_is_not_a_run_of_headings():
    text = "Contents\n\n1. Introduction\n2. Scope\n3. Meeting protocol\n\nSome text follows here.\n"
    doc = read_text(text.encode(), "toc.txt")
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert kinds[1:4] == [("bullet", "1. Introduction"), ("bullet", "2. Scope"), ("bullet", "3. Meeting protocol")]


def test_wrapped_line_starting_with_a_number_is_not_a_section():
    text = "1.2 A formal review took place, after which the plans were replaced by a\n3 year rolling plan.\n"
    doc = read_text(text.encode(), "wrap.txt")
    assert len(doc.blocks) == 1 and doc.blocks[0].text.endswith("a 3 year rolling plan.")
