"""Which files a run must parse, which it skips, and which earlier records they replace (pure).

Files are known by content: the SHA-256 of their bytes. The ledger is what the
warehouse already holds (document, corpus-relative path, hash).
"""

from __future__ import annotations

from collections.abc import Set
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
    moves: dict[str, str] = field(default_factory=dict)  # doc_id -> the name its content is now found under
    drops: dict[str, LedgerEntry] = field(default_factory=dict)  # source_path -> its earlier version, gone

    @property
    def changes_ledger(self) -> bool:
        """Records move or go even if nothing new parses."""
        return bool(self.moves or self.drops)


def plan_run(inputs: list[Input], ledger: list[LedgerEntry], gone: Set[str] = frozenset()) -> Plan:
    """Decide per file. A full rebuild passes an empty ledger. `gone`: ledger paths no longer on disk.

    - content already held (under any name) is skipped: a renamed or copied file adds nothing; where its
      old name is gone, or now holds other content, the record moves to the new name;
    - the same content twice in one run is parsed once;
    - new content at a path the ledger knows is a new version: it replaces the old one's records, but
      only once it has parsed (a bad new version leaves the old one loaded), and never while the old
      content is still present under another name in this run (it moves there instead);
    - a path whose new content is already held elsewhere drops its old version (unless that moved).
    Decisions do not depend on the order of `inputs`.
    """
    by_sha = {e.sha256: e for e in ledger}
    by_path = {e.source_path: e for e in ledger}
    readable = [i for i in inputs if not i.error and i.sha256 is not None]
    run_sha = {i.source_path: i.sha256 for i in readable}
    present: dict[str, str] = {}
    for item in readable:
        present.setdefault(item.sha256, item.source_path)

    def home_changed(path: str) -> bool:
        return path in gone or (path in run_sha and run_sha[path] != by_path[path].sha256)

    first_in_run: dict[str, str] = {}
    plan = Plan()
    for item in inputs:
        if item.error or item.sha256 is None:
            plan.unreadable.append(item)
            continue
        old = by_path.get(item.source_path)
        changed = old is not None and old.sha256 != item.sha256
        if item.sha256 in by_sha:
            held = by_sha[item.sha256]
            if held.source_path == item.source_path:
                why = "unchanged"
            elif home_changed(held.source_path) and present[item.sha256] == item.source_path:
                plan.moves[held.doc_id] = item.source_path
                why = f"moved from {held.source_path}"
            else:
                why = f"same content as {held.source_path}"
            plan.skipped.append((item, why))
            if changed and old.sha256 not in present:
                plan.drops[item.source_path] = old
        elif item.sha256 in first_in_run:
            plan.skipped.append((item, f"same content as {first_in_run[item.sha256]}"))
        else:
            first_in_run[item.sha256] = item.source_path
            plan.parse.append(item)
            if changed:
                plan.replaces[item.source_path] = old
    return plan
