"""List and lead extraction against hand-checked golden files, on the text path and on PDF renditions.

Documents: the five corpus seeds and the hand-written papers in other house styles
under tests/fixtures/house_styles (numbered lists, "Priorities: a; b; c." sentences,
tables typed with spaces, markdown tables with bold counts).
"""

from pathlib import Path

import pytest
from conftest import CORPUS
from golden import UPDATE, golden_of, load_golden, save_golden, without_provenance
from renditions import rendition_of

from extractors.pipeline import extract_document

HOUSE_STYLES = Path(__file__).parent / "fixtures" / "house_styles"
DOCUMENTS = sorted(CORPUS.glob("*.txt")) + sorted(HOUSE_STYLES.iterdir())
IDS = [p.name for p in DOCUMENTS]

_cache: dict = {}


def text_side(path: Path):
    key = ("text", path)
    if key not in _cache:
        _cache[key] = extract_document(path.read_bytes(), path.name)
    return _cache[key]


def pdf_side(path: Path):
    key = ("pdf", path)
    if key not in _cache:
        pdf = rendition_of(path)
        _cache[key] = extract_document(pdf.read_bytes(), path.with_suffix(".pdf").name)
    return _cache[key]


@pytest.mark.parametrize("path", DOCUMENTS, ids=IDS)
def test_text_path_matches_golden(path):
    got = golden_of(text_side(path))
    if UPDATE:
        save_golden(path.name, got)
    assert got == load_golden(path.name)


@pytest.mark.parametrize("path", DOCUMENTS, ids=IDS)
def test_pdf_rendition_matches_golden(path):
    got = golden_of(pdf_side(path), provenance=False)
    assert got == without_provenance(load_golden(path.name))


@pytest.mark.parametrize("path", DOCUMENTS, ids=IDS)
def test_pdf_provenance_points_at_the_printed_item(path):
    """Each PDF item's page and line is a line of the PDF that prints the item's first words."""
    extracted = pdf_side(path)
    lines = {(ln.page, ln.number): ln.text for ln in extracted.document.lines}
    for lst in extracted.lists:
        assert lst.heading.split()[0] in lines[(lst.page, lst.line)]
        for item in lst.items:
            assert item.raw_label.split()[0] in lines[(item.page, item.line)], (lst.heading, item)
    for lead in extracted.leads:
        assert lead.raw_priority.split()[0] in lines[(lead.page, lead.line)]


@pytest.mark.parametrize("path", DOCUMENTS, ids=IDS)
def test_text_provenance_is_the_source_line(path):
    """On the text path an item's line is its line in the file, and source_text is that raw text."""
    file_lines = path.read_text(encoding="utf-8").split("\n")
    for lst in text_side(path).lists:
        for item in lst.items:
            assert item.source_text.split("\n")[0] == file_lines[item.line - 1]


def test_pdf_path_gives_the_same_timeline_and_changes():
    """Normalisation over the PDF renditions of the seeds: the same canonical items, links, changes and
    timeline as over the text files (ids and line numbers aside, since the PDF bytes and pages differ)."""
    from normalisers.timeline import normalise_documents

    seeds = sorted(CORPUS.glob("*.txt"))

    def view(docs):
        n = normalise_documents(docs)
        index = {d.doc_id: k for k, d in enumerate(docs)}
        links = sorted((index[lid.rsplit("-L", 1)[0]], lid.rsplit("-L", 1)[1], pos, link.canonical_id, link.method,
                        link.score) for (lid, pos), link in n.links.items())
        changes = sorted((c.kind, c.change_type, str(c.effective_date), str(c.earliest), str(c.latest),
                          c.before_labels, c.after_labels, c.canonical_ids, c.basis, index[c.doc_id])
                         for c in n.changes)
        rows = sorted((r.canonical_id, r.label, r.valid_from, str(r.valid_to), r.basis, index[r.evidence_doc])
                      for r in n.timeline)
        return n.canonical_items, links, changes, rows

    text, pdf = view([text_side(p) for p in seeds]), view([pdf_side(p) for p in seeds])
    for got, expected in zip(pdf, text, strict=True):
        assert got == expected
