"""The fetch manifest and log kept in the inbox, beside the papers fetched into it.

- `fetch-manifest.csv`: one row per document URL held (file, source URL, site, committee, meeting
  id and date, agenda item, title, fetched-at, ETag/Last-Modified, sha256). `csa ingest` reads it,
  so `documents.source_url` is the council's URL and the meeting date can come from the committee
  system. It is rewritten whole (temporary file, then rename) after each document, so a killed
  fetch leaves it matching the files.
- `fetch-log.csv`: one row per thing that happened (downloaded, not_modified, held, duplicate,
  skipped, refused, blocked, failed) with its reason; appended.
- `.fetching/`: downloads in progress (hidden, so never read as papers); emptied at each start.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

MANIFEST_FILE = "fetch-manifest.csv"
LOG_FILE = "fetch-log.csv"
TEMP_DIR = ".fetching"


@dataclass(frozen=True)
class Fetched:
    file: str  # name in the inbox
    source_url: str
    site: str
    committee: str
    committee_id: str
    meeting_id: str
    meeting_date: str  # ISO date, from the committee system
    agenda_item: str
    title: str
    attachment_id: str
    fetched_at: str  # ISO timestamp (UTC)
    etag: str
    last_modified: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class LogRow:
    at: str
    site: str
    url: str
    outcome: str  # downloaded | updated | not_modified | held | duplicate | skipped | refused | blocked | failed
    reason: str
    file: str = ""


FIELDS = [f.name for f in fields(Fetched)]
LOG_FIELDS = [f.name for f in fields(LogRow)]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def read_fetch_manifest(folder: Path) -> list[Fetched]:
    """The rows of `folder`/fetch-manifest.csv ([] if there is none). A malformed file is a ValueError."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(FIELDS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: not a fetch manifest (no column {', '.join(sorted(missing))})")
        rows = []
        for row in reader:
            values = {k: (row.get(k) or "") for k in FIELDS}
            values["bytes"] = int(values["bytes"] or 0)
            rows.append(Fetched(**values))
        return rows


def write_fetch_manifest(folder: Path, rows: list[Fetched]) -> None:
    path = Path(folder) / MANIFEST_FILE
    temp = Path(folder) / TEMP_DIR / (MANIFEST_FILE + ".tmp")
    temp.parent.mkdir(parents=True, exist_ok=True)
    with open(temp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (r.meeting_date, r.file, r.source_url)):
            writer.writerow(asdict(row))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, path)


def append_fetch_log(folder: Path, rows: list[LogRow]) -> None:
    if not rows:
        return
    path = Path(folder) / LOG_FILE
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=LOG_FIELDS)
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
