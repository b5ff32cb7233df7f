from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(Path(__file__).parent))

SEEDS = sorted(p.name for p in CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def parsed():
    """Text-path documents of the corpus, parsed once."""
    from extractors.pipeline import extract_document

    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = extract_document((CORPUS / name).read_bytes(), name)
        return cache[name]

    return get


def seed(prefix: str) -> str:
    return next(name for name in SEEDS if name.startswith(prefix))


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory, parsed) -> Path:
    """The seeds' warehouse, written by the store directly (no Prefect run), once per session.
    For tests that only read it."""
    from normalisers.audit import audit
    from normalisers.timeline import load_curated, normalise_documents
    from warehouse import store

    docs = [parsed(name) for name in SEEDS]
    path = tmp_path_factory.mktemp("seed-warehouse") / "csa.duckdb"
    n = normalise_documents(docs, load_curated())
    audited = audit(docs, n, {d.doc_id: list(d.claims) for d in docs})
    store.write_warehouse(path, [(d.document.source_path, d) for d in docs], {}, [], n, audited)
    return path
