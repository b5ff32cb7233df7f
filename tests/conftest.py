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
    from flows.pipeline import corpus_records
    from normalisers.timeline import load_curated
    from warehouse import store

    docs = [(name, parsed(name)) for name in SEEDS]
    path = tmp_path_factory.mktemp("seed-warehouse") / "csa.duckdb"
    records = corpus_records(docs, load_curated())
    store.write_warehouse(path, docs, {}, [], records.normalised, records.audited)
    return path
