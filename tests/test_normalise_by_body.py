"""Bodies are normalised one by one and a run reuses the bodies its papers do not touch (issue 17):
the result is the one normalisation over the whole corpus, whichever bodies came from the cache."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from conftest import ROOT

from extractors.pipeline import extract_document
from flows.parse_cache import normalise_held
from normalisers.timeline import by_body, load_curated, normalise, normalise_documents
from normalisers.timeline.documents import bodies, list_refs, restated_lists, stated_changes
from normalisers.timeline.records import KINDS
from normalisers.timeline.versions import restated_years

PAPERS = sorted((ROOT / "tests" / "realworld" / "papers").iterdir()) + sorted((ROOT / "corpus").glob("*.txt")) + \
    sorted((ROOT / "tests" / "fixtures" / "audit").glob("*.txt"))


@pytest.fixture(scope="module")
def docs():
    from extractors.model import UnreadableDocument

    out = []
    for path in PAPERS:
        with contextlib.suppress(UnreadableDocument):  # a few development papers are refused on purpose
            out.append(extract_document(path.read_bytes(), path.name))
    return out


def _all_at_once(docs, curated):
    """The normalisation as it was made before bodies were taken one by one: every list in one call."""
    body_of = bodies(docs)
    leads = [(d.doc_id, i, lead.raw_priority, body_of[d.doc_id]) for d in docs for i, lead in enumerate(d.leads)]
    return normalise(list_refs(docs, KINDS), district_lists=list_refs(docs, ["district_assessment"]), leads=leads,
                     stated=stated_changes(docs), curated=curated, restated=restated_lists(docs),
                     restated_years=restated_years())


def test_body_by_body_is_the_whole_corpus_at_once(docs):
    curated = load_curated()
    assert len(by_body(docs)) >= 30  # the development corpus: many councils, a few papers each
    one, whole = normalise_documents(docs, curated), _all_at_once(docs, curated)
    for field in ("canonical_items", "links", "lead_links", "timeline", "changes", "proposals", "gaps"):
        assert getattr(one, field) == getattr(whole, field), field
    assert list(one.versions.items()) == list(whole.versions.items())
    assert any(c.basis == "stated" for c in one.changes) and any(c.linked_change_id for c in one.changes)


def test_a_run_normalises_again_only_the_bodies_its_papers_touch(docs, tmp_path):
    curated = load_curated()
    kent = [d for d in docs if d.document.source_path in {p.name for p in (ROOT / "corpus").glob("*.txt")}]
    others = [d for d in docs if d not in kent]
    _, again, total = normalise_held(others + kent[:-1], curated, tmp_path)
    assert len(again) == total == len(by_body(others + kent[:-1]))
    _, again, _ = normalise_held(others + kent[:-1], curated, tmp_path)
    assert again == []  # nothing changed: every body from the cache
    n, again, _ = normalise_held(others + kent, curated, tmp_path)  # one more Kent paper
    assert again == [kent[-1].metadata.body or bodies(others + kent)[kent[-1].doc_id]]
    assert n == normalise_documents(others + kent, curated)
    # the committee system's meeting date on one paper changes that paper's metadata: its body again
    moved = replace(others[0], metadata=replace(others[0].metadata, meeting_date_source="committee_system"))
    _, again, _ = normalise_held([moved, *others[1:], *kent], curated, tmp_path)
    assert again == [bodies(others + kent)[others[0].doc_id]]
    # one entry a body: the ones no body uses any more are gone
    assert len(list((tmp_path / "normalised").glob("*/*.pickle"))) == total


def test_without_a_cache_every_body_is_normalised(docs):
    n, again, total = normalise_held(docs, load_curated(), None)
    assert len(again) == total
    assert n == normalise_documents(docs, load_curated())

