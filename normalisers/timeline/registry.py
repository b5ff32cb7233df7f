"""One body's canonical items: ids, every wording linked to them, and the researcher's curated overrides."""

from __future__ import annotations

import re
from collections.abc import Iterable

from normalisers import labels
from normalisers.timeline.records import Curated, Link


def slug(text: str) -> str:
    """'Kent' -> 'kent', 'serious and organised crime' -> 'serious-and-organised-crime'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Registry:
    """One body's canonical items and every wording linked to them, with lookups by each label form.

    Ids are '<kind>:<body>:<slug of the first wording>' ('<kind>:<slug>' where no body is named);
    a curated row's id is used as written.
    """

    def __init__(self, curated: Iterable[Curated] = (), body: str = ""):
        self.kind: dict[str, str] = {}
        self.latest: dict[str, tuple[tuple, str]] = {}  # id -> (sort key, label)
        self._by: dict[tuple[str, str, str], str] = {}  # (kind, form name, form) -> id
        self._prefix = slug(body)
        curated = list(curated)
        # An exact raw label beats a row that only shares its normalised key.
        self._curated_exact = {(c.kind, c.raw_label.strip()): c for c in curated}
        self._curated_key = {}
        for c in curated:
            self._curated_key.setdefault((c.kind, labels.key(c.raw_label)), c)

    def lookup(self, kind: str, label: str) -> Link | None:
        curated = self._curated_exact.get((kind, label.strip())) or self._curated_key.get((kind, labels.key(label)))
        if curated:
            self.kind.setdefault(curated.canonical_id, kind)
            return Link(curated.canonical_id, "curated", 100.0, curated.reason)
        f = labels.forms(label)
        for method, form in (("exact", f.raw.strip()), ("normalised", f.key), ("abbreviation", f.expanded)):
            found = self._by.get((kind, method, form)) if form else None
            if found:
                return Link(found, method, 100.0)
        return None

    def new(self, kind: str, label: str) -> str:
        name = slug(labels.key(label) or labels.wording(label)) or "item"
        base = f"{kind}:{self._prefix}:{name}" if self._prefix else f"{kind}:{name}"
        cid, n = base, 2
        while cid in self.kind:
            cid, n = f"{base}-{n}", n + 1
        self.kind[cid] = kind
        return cid

    def attach(self, kind: str, cid: str, label: str, when: tuple) -> None:
        f = labels.forms(label)
        for method, form in (("exact", f.raw.strip()), ("normalised", f.key), ("abbreviation", f.expanded)):
            if form:
                self._by.setdefault((kind, method, form), cid)
        if cid not in self.latest or when > self.latest[cid][0]:
            self.latest[cid] = (when, label)


CURATED_FILE = labels.RULES_DIR / "curated.csv"


def load_curated(path=CURATED_FILE) -> list[Curated]:
    """The researcher's overrides: raw_label, kind (priority|theme), canonical_id, reason.

    Raises ValueError, naming the file and line, for a missing field, an unknown kind, an id whose
    kind prefix disagrees with its kind, or the same raw label given twice.
    """
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:  # -sig: a spreadsheet's byte-order mark
        rows = list(csv.DictReader(fh))
    out: list[Curated] = []
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows, start=2):
        values = {c: (row.get(c) or "").strip() for c in ("raw_label", "kind", "canonical_id", "reason")}
        missing = [c for c, v in values.items() if not v]
        if missing:
            raise ValueError(f"{path}: line {n}: missing {', '.join(missing)} (columns: raw_label,kind,canonical_id,"
                             "reason)")
        if values["kind"] not in ("priority", "theme"):
            raise ValueError(f"{path}: line {n}: kind must be priority or theme, not {values['kind']!r}")
        prefix = values["canonical_id"].split(":", 1)[0]
        if ":" in values["canonical_id"] and prefix in ("priority", "theme") and prefix != values["kind"]:
            raise ValueError(f"{path}: line {n}: id {values['canonical_id']!r} is not a {values['kind']}")
        key = (values["kind"], values["raw_label"])
        if key in seen:
            raise ValueError(f"{path}: line {n}: {values['raw_label']!r} is already curated on line {seen[key]}")
        seen[key] = n
        out.append(Curated(values["raw_label"], values["kind"], values["canonical_id"], values["reason"]))
    return out
