"""Which files a run must parse, which it skips, and which earlier records they replace (pure).

Files are known by content: the SHA-256 of their bytes. The ledger is what the
warehouse already holds (document, corpus-relative path, hash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from warehouse.store import LedgerEntry


@dataclass(frozen=True)
class Input:
    """A file offered to a run, hashed (or not, with the reason)."""

    path: Path
    source_path: str  # relative to the corpus root where it lies under it, else absolute
    sha256: str | None
    error: str | None = None


@dataclass
class Plan:
    parse: list[Input] = field(default_factory=list)  # content the warehouse does not hold
    replaces: dict[str, LedgerEntry] = field(default_factory=dict)  # source_path -> its earlier version
    skipped: list[tuple[Input, str]] = field(default_factory=list)  # (input, why) content already held
    unreadable: list[Input] = field(default_factory=list)  # missing, unreadable or of a type csa cannot read


def plan_run(inputs: list[Input], ledger: list[LedgerEntry]) -> Plan:
    """Decide per file. A full rebuild passes an empty ledger.

    - content already held (under any name) is skipped: a renamed or copied file adds nothing;
    - the same content twice in one run is parsed once;
    - new content at a path the ledger knows is a new version: it replaces the old one's
      records, but only once it has parsed (a bad new version leaves the old one loaded).
    """
    by_sha = {e.sha256: e for e in ledger}
    by_path = {e.source_path: e for e in ledger}
    first_in_run: dict[str, str] = {}
    plan = Plan()
    for item in inputs:
        if item.error or item.sha256 is None:
            plan.unreadable.append(item)
        elif item.sha256 in by_sha:
            held = by_sha[item.sha256]
            why = "unchanged" if held.source_path == item.source_path else f"same content as {held.source_path}"
            plan.skipped.append((item, why))
        elif item.sha256 in first_in_run:
            plan.skipped.append((item, f"same content as {first_in_run[item.sha256]}"))
        else:
            first_in_run[item.sha256] = item.source_path
            plan.parse.append(item)
            if item.source_path in by_path:
                plan.replaces[item.source_path] = by_path[item.source_path]
    return plan
