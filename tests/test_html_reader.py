"""The HTML reader: content found, furniture dropped, structure from the DOM, provenance by source line."""

import pytest

from extractors.pipeline import extract_document
from extractors.readers import UnreadableDocument, read_document, reader_for

PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head><title>Agenda for Northvale Community Safety Partnership on Tuesday, 4th March, 2025, 2.00 pm</title>
<script>window.dataLayer = [];</script></head>
<body>
<a class="skip-link" href="#content">Skip to main content</a>
<div id="cookie-banner"><p>We use cookies to make this site work.</p><button>Accept all cookies</button></div>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/council">Council</a></li></ul></nav>
</header>
<div class="breadcrumbs"><a href="/">Home</a> &gt; Meetings</div>
<main id="content">
<h1>Agenda and minutes</h1>
<h2>Northvale Community Safety Partnership - Tuesday, 4th March, 2025 2.00 pm</h2>
<p>Venue: Committee Room 2<br>Contact: Democratic Services</p>
<table class="mgItemTable">
<tr><td>1.</td><td><p><strong>Apologies</strong></p><p>Apologies were received from two partners.</p></td></tr>
<tr><td>4.</td><td><p>Priorities 2025/26</p><p>The Partnership agreed the following priorities:</p>
<ul><li>Violence against women and girls</li>
<li>Anti-social behaviour<ul><li>including fly-tipping</li></ul></li>
<li>&#183;&nbsp; Road safety</li></ul>
<ol start="3"><li>Drugs</li><li>Exploitation</li></ol></td></tr>
</table>
<table><caption>Issues by ward</caption><tr><th>Issue</th><th>Wards</th></tr>
<tr><td>Burglary</td><td>5</td></tr></table>
<p>Our 18<sup>th</sup> meeting, see note<sup>2</sup>.</p>
</main>
<footer><p>Northvale District Council, Town Hall</p></footer>
<script>track();</script>
</body></html>
"""


def test_html_is_recognised_by_its_content_and_its_suffix():
    assert reader_for("page.html").name == "html" and reader_for("page.htm").name == "html"
    assert reader_for("saved page.txt", b"\xef\xbb\xbf  <!DOCTYPE html><html>").name == "html"
    assert reader_for("notes.txt", b"<p>not a page</p>").name == "text"


def test_content_is_read_and_furniture_dropped():
    doc = read_document(PAGE, "page.html")
    assert doc.source_format == "html" and doc.page_count == 1
    text = [ln.text for ln in doc.lines if ln.text and not ln.furniture]
    joined = "\n".join(text)
    for furniture in ("Skip to main content", "cookies", "Home", "Council", "Town Hall", "dataLayer", "track()"):
        assert furniture not in joined, furniture
    assert [ln.text for ln in doc.furniture] == [
        "Agenda for Northvale Community Safety Partnership on Tuesday, 4th March, 2025, 2.00 pm"]
    assert text[:4] == ["Agenda and minutes",
                        "Northvale Community Safety Partnership - Tuesday, 4th March, 2025 2.00 pm",
                        "Venue: Committee Room 2", "Contact: Democratic Services"]
    assert "Our 18th meeting, see note." in text  # ordinals kept, footnote markers dropped


def _source_line(fragment: bytes) -> int:
    return next(i for i, line in enumerate(PAGE.split(b"\n"), start=1) if fragment in line)


def test_structure_comes_from_the_dom_with_source_lines():
    doc = read_document(PAGE, "page.html")
    blocks = [(b.kind, b.text, b.level, b.marker, b.line_start) for b in doc.blocks]
    assert ("heading", "Agenda and minutes", 1, None, _source_line(b"<h1>")) in blocks
    # a bold paragraph standing alone
    assert ("heading", "Apologies", 3, None, _source_line(b"<strong>Apologies")) in blocks
    bullets = [(b.text, b.level, b.marker) for b in doc.blocks if b.kind == "bullet"]
    assert bullets == [("Violence against women and girls", 0, "•"), ("Anti-social behaviour", 0, "•"),
                       ("including fly-tipping", 1, "•"), ("Road safety", 0, "•"), ("Drugs", 0, "3."),
                       ("Exploitation", 0, "4.")]
    (table,) = [b for b in doc.blocks if b.kind == "table"]
    assert [r.cells for r in table.rows] == [("Issue", "Wards"), ("Burglary", "5")]
    assert table.line_start == _source_line(b"<caption>")
    assert [r.line for r in table.rows] == [_source_line(b"<caption>"), _source_line(b"<td>Burglary")]


def test_lists_are_found_in_html_as_in_text():
    extracted = extract_document(PAGE, "page.html")
    (lst,) = [x for x in extracted.lists if x.role == "priorities"]
    assert [i.raw_label for i in lst.items][:3] == ["Violence against women and girls", "Anti-social behaviour",
                                                    "Road safety"]
    assert lst.stance == "current" and str(lst.applies_from) == "2025-04-01"


@pytest.mark.parametrize(("data", "reason"), [
    (b"<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav></body></html>", "no text"),
])
def test_a_page_with_no_content_is_refused(data, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        read_document(data, "empty.html")


def test_a_page_in_windows_1252_declared_in_its_meta_is_decoded():
    page = ("<html><head><meta charset='windows-1252'></head><body><main><p>Caf\xe9 crime \u2013 "
            "anti-social behaviour</p></main></body></html>").encode("cp1252")
    assert read_document(page, "p.html").blocks[0].text == "Café crime – anti-social behaviour"
