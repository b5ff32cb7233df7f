"""Where the corpus, inbox and warehouse live, which file types are read, and the manifest."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from warehouse.store import SourceInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_DB = ROOT / "warehouse" / "csa.duckdb"
DEFAULT_INBOX = DEFAULT_CORPUS / "inbox"  # where new papers are dropped (CSA_INBOX overrides)
MANIFEST_NAME = "manifest.csv"
DEFAULT_SOURCES = DEFAULT_CORPUS / "sources.yaml"  # the sites `csa fetch` reads (CSA_SOURCES overrides)
# Files in the corpus and inbox that describe papers and are not papers: never read as one.
NOT_PAPERS = frozenset({MANIFEST_NAME, "fetch-manifest.csv", "fetch-log.csv", "sources.yaml"})

def read_manifest(corpus: Path) -> dict[str, SourceInfo]:
    """corpus/manifest.csv: file,source_url,publisher[,notes]. Missing file: no sources."""
    path = Path(corpus) / MANIFEST_NAME
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {
            row["file"].strip(): SourceInfo(row.get("source_url") or None, row.get("publisher") or None)
            for row in csv.DictReader(fh)
            if row.get("file")
        }


def read_sources(corpus_root: Path, folders: list[Path]) -> dict[str, SourceInfo]:
    """Every paper's source: corpus/manifest.csv, and the fetch manifests (`csa fetch`) in the
    corpus and in the folders given, keyed like the ledger (relative to the corpus root where the
    paper is inside it). A fetch manifest's row wins over manifest.csv for the same file."""
    from flows.fetching.manifest import MANIFEST_FILE, read_fetch_manifest
    from flows.pipeline import source_path_of

    sources = read_manifest(corpus_root)
    manifests: set[Path] = set()
    for folder in [Path(corpus_root), *map(Path, folders)]:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            if MANIFEST_FILE in filenames:
                manifests.add(Path(os.path.realpath(Path(dirpath) / MANIFEST_FILE)))
    for manifest in sorted(manifests):
        try:
            rows = read_fetch_manifest(manifest.parent)
        except (OSError, ValueError, UnicodeDecodeError):
            continue  # a damaged fetch manifest costs the papers their URLs, not the run
        for row in rows:
            key = source_path_of(manifest.parent / row.file, corpus_root)
            if key in sources and sources[key].origin == "fetch":
                continue  # the first URL fetched for these bytes
            sources[key] = SourceInfo(
                row.source_url or None, row.site or None, "fetch", row.site or None, row.committee or None,
                row.meeting_id or None, _date(row.meeting_date), row.agenda_item or None, _stamp(row.fetched_at))
    return sources


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None) if text else None
    except ValueError:
        return None
