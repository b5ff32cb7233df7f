"""`csa eval`: score a warehouse against hand-checked gold files (tests/realworld/README.md has the format).

Fields scored, each with precision, recall and F1 and every miss listed:

- `kind` and `meeting_date` per document (`committee` and `body` are reported too);
- `lists found`: gold and extracted lists of a document are paired by their items (best overlap
  first, at least half the items shared); `lists (role+stance)` counts a pair only when its role
  and stance are right too; `role`, `stance`, `applies_from` and `applies_to` are scored on pairs;
- `items`: every item label, across all lists (an unpaired list's items all miss); `details` on
  items whose label matched;
- `invented`: extracted priorities or themes lists with no gold list of a partnership role;
- `claims`: what papers claim about their own changes, paired by their words (most of the shorter
  text's words in the other); `claim type` (none, renamed, added, ...) on pairs.

Labels are compared after light normalisation (case, '&'/'and', dashes, quotes, spacing, a final
full stop). The scoring is pure (`score`); reading gold files and the warehouse is separate.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CSA_ROLES = ("priorities", "cross_cutting_themes")


@dataclass(frozen=True)
class Item:
    label: str
    detail: str | None = None


@dataclass(frozen=True)
class ListRecord:
    role: str
    stance: str
    applies_from: dt.date | None
    applies_to: dt.date | None
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ClaimRecord:
    what: str | None  # none | renamed | added | removed | split | merged | changed
    text: str


@dataclass(frozen=True)
class DocRecord:
    """A paper, as the gold describes it or as the warehouse holds it."""

    name: str  # the paper's file stem: gold and warehouse meet on it
    kind: str | None
    meeting_date: dt.date | None
    committee: str | None
    body: str | None
    lists: tuple[ListRecord, ...]
    lookalikes: tuple[str, ...] = ()  # headings of lists that are not to be found (gold only)
    claims: tuple[ClaimRecord, ...] = ()


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


FIELDS = ("kind", "meeting_date", "committee", "body", "lists found", "lists (role+stance)", "role", "stance",
          "applies_from", "applies_to", "items", "details", "claims", "claim type")


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (paper, field, what)
    invented: list[tuple[str, str]] = field(default_factory=list)  # (paper, list heading)
    by_role: dict[str, Tally] = field(default_factory=dict)  # lists found with their role right, per role
    papers: int = 0
    unscored: list[str] = field(default_factory=list)  # gold papers the warehouse does not hold (all missed)

    def miss(self, paper: str, what_field: str, what: str) -> None:
        self.misses.append((paper, what_field, what))


# ---------------------------------------------------------------- normalisation and pairing

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


def norm(text: str | None) -> str:
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", text)
    for a, b in _QUOTES.items():
        text = text.replace(a, b)
    text = _DASHES.sub("-", text).replace("&", " and ").casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(" .;,:").strip()


def _overlap(a: ListRecord, b: ListRecord) -> float:
    """Dice overlap of two lists' item labels (as multisets)."""
    left, right = Counter(norm(i.label) for i in a.items), Counter(norm(i.label) for i in b.items)
    shared = sum((left & right).values())
    total = sum(left.values()) + sum(right.values())
    return 2 * shared / total if total else 0.0


Pairs = list[tuple[ListRecord, ListRecord]]


def pair_lists(gold: Iterable[ListRecord], found: Iterable[ListRecord],
               threshold: float = 0.5) -> tuple[Pairs, list[ListRecord], list[ListRecord]]:
    """Greedy pairing by item overlap (ties: same role first, then printed order)."""
    gold, found = list(gold), list(found)
    scored = sorted(
        ((_overlap(g, f), g.role == f.role, -gi, -fi, gi, fi)
         for gi, g in enumerate(gold) for fi, f in enumerate(found)),
        reverse=True,
    )
    used_g: set[int] = set()
    used_f: set[int] = set()
    pairs: list[tuple[ListRecord, ListRecord]] = []
    for overlap, _, _, _, gi, fi in scored:
        if overlap < threshold or gi in used_g or fi in used_f:
            continue
        used_g.add(gi)
        used_f.add(fi)
        pairs.append((gold[gi], found[fi]))
    return (pairs, [g for i, g in enumerate(gold) if i not in used_g],
            [f for i, f in enumerate(found) if i not in used_f])


def _is_lookalike(found: ListRecord, lookalikes: tuple[str, ...]) -> bool:
    heading = norm(found.heading)
    return found.role not in CSA_ROLES and any(
        h and (h in heading or heading in h) for h in (norm(x) for x in lookalikes)
    )


_WORD = re.compile(r"[a-z0-9]+")


def _claim_overlap(a: str, b: str) -> float:
    """Share of the shorter claim's words that the other has."""
    left, right = set(_WORD.findall(norm(a))), set(_WORD.findall(norm(b)))
    smaller = min(len(left), len(right))
    return len(left & right) / smaller if smaller else 0.0


def pair_claims(gold: Iterable[ClaimRecord], found: Iterable[ClaimRecord], threshold: float = 0.6
                ) -> tuple[list[tuple[ClaimRecord, ClaimRecord]], list[ClaimRecord], list[ClaimRecord]]:
    gold, found = list(gold), list(found)
    scored = sorted(((_claim_overlap(g.text, f.text), -gi, -fi, gi, fi)
                     for gi, g in enumerate(gold) for fi, f in enumerate(found)), reverse=True)
    used_g: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for overlap, _, _, gi, fi in scored:
        if overlap >= threshold and gi not in used_g and fi not in used_f:
            used_g.add(gi)
            used_f.add(fi)
            pairs.append((gold[gi], found[fi]))
    return (pairs, [g for i, g in enumerate(gold) if i not in used_g],
            [f for i, f in enumerate(found) if i not in used_f])


# ---------------------------------------------------------------- scoring


def _score_value(report: Report, name: str, paper: str, gold, found) -> None:
    tally = report.tallies[name]
    g, f = (norm(gold) if isinstance(gold, str) else gold), (norm(found) if isinstance(found, str) else found)
    if g is not None and g == f:
        tally.tp += 1
        return
    if f is not None:
        tally.fp += 1
    if g is not None:
        tally.fn += 1
    if g != f:
        report.miss(paper, name, f"gold {gold!r}, found {found!r}")


def _score_items(report: Report, paper: str, gold: ListRecord | None, found: ListRecord | None) -> None:
    items, details = report.tallies["items"], report.tallies["details"]
    g_items = list(gold.items) if gold else []
    f_items = list(found.items) if found else []
    remaining = list(f_items)
    for gi in g_items:
        match = next((fi for fi in remaining if norm(fi.label) == norm(gi.label)), None)
        if match is None:
            items.fn += 1
            report.miss(paper, "items", f"missing {gi.label!r}" + (f" ({gold.heading!r})" if gold else ""))
            if gi.detail:
                details.fn += 1
            continue
        remaining.remove(match)
        items.tp += 1
        g_detail, f_detail = norm(gi.detail) or None, norm(match.detail) or None
        if g_detail is not None and g_detail == f_detail:
            details.tp += 1
        else:
            if f_detail is not None:
                details.fp += 1
            if g_detail is not None:
                details.fn += 1
            if g_detail != f_detail:
                report.miss(paper, "details", f"{gi.label!r}: gold {gi.detail!r}, found {match.detail!r}")
    for fi in remaining:
        items.fp += 1
        report.miss(paper, "items", f"extra {fi.label!r}" + (f" ({found.heading!r})" if found else ""))
        if fi.detail:
            details.fp += 1


def score(gold_docs: Iterable[DocRecord], found_docs: dict[str, DocRecord]) -> Report:
    report = Report()
    for gold in gold_docs:
        found = found_docs.get(gold.name)
        if found is None:  # refused or not read: everything in it is missed
            report.unscored.append(gold.name)
            found = DocRecord(gold.name, "(not loaded)", None, None, None, ())
        report.papers += 1
        paper = gold.name
        kind = report.tallies["kind"]
        if gold.kind == found.kind:
            kind.tp += 1
        else:
            kind.fp += 1
            kind.fn += 1
            report.miss(paper, "kind", f"gold {gold.kind!r}, found {found.kind!r}")
        for name in ("meeting_date", "committee", "body"):
            _score_value(report, name, paper, getattr(gold, name), getattr(found, name))
        pairs, lost, extra = pair_lists(gold.lists, found.lists)
        extra = [f for f in extra if not _is_lookalike(f, gold.lookalikes)]
        t = report.tallies
        t["lists found"].tp += len(pairs)
        t["lists found"].fn += len(lost)
        t["lists found"].fp += len(extra)
        def role_tally(role: str) -> Tally:
            return report.by_role.setdefault(role, Tally())

        for g, f in pairs:
            if g.role == f.role:
                role_tally(g.role).tp += 1
            else:
                role_tally(g.role).fn += 1
                role_tally(f.role).fp += 1
            right = g.role == f.role and g.stance == f.stance
            combined = t["lists (role+stance)"]
            if right:
                combined.tp += 1
            else:
                combined.fp += 1
                combined.fn += 1
            for name in ("role", "stance", "applies_from", "applies_to"):
                tally = t[name]
                gv, fv = getattr(g, name), getattr(f, name)
                if gv == fv:
                    tally.tp += 1
                else:
                    tally.fp += fv is not None
                    tally.fn += gv is not None
                    report.miss(paper, name, f"{g.heading!r}: gold {gv}, found {fv}")
            if f.role in CSA_ROLES and g.role not in CSA_ROLES:
                report.invented.append((paper, f"{f.heading} (a {g.role} list taken as {f.role})"))
            _score_items(report, paper, g, f)
        for g in lost:
            role_tally(g.role).fn += 1
            t["lists (role+stance)"].fn += 1
            report.miss(paper, "lists found", f"missing {g.role} list {g.heading!r} ({len(g.items)} items)")
            _score_items(report, paper, g, None)
        for f in extra:
            role_tally(f.role).fp += 1
            t["lists (role+stance)"].fp += 1
            report.miss(paper, "lists found", f"extra {f.role} list {f.heading!r} ({len(f.items)} items)")
            if f.role in CSA_ROLES:
                report.invented.append((paper, f.heading))
            _score_items(report, paper, None, f)
        _score_claims(report, paper, gold.claims, found.claims)
    return report


def _score_claims(report: Report, paper: str, gold: tuple[ClaimRecord, ...], found: tuple[ClaimRecord, ...]) -> None:
    pairs, lost, extra = pair_claims(gold, found)
    claims, kinds = report.tallies["claims"], report.tallies["claim type"]
    claims.tp += len(pairs)
    claims.fn += len(lost)
    claims.fp += len(extra)
    for g, f in pairs:
        if g.what == f.what:
            kinds.tp += 1
        else:
            kinds.fp += f.what is not None
            kinds.fn += g.what is not None
            report.miss(paper, "claim type", f"{_short(g.text)!r}: gold {g.what}, found {f.what}")
    for g in lost:
        report.miss(paper, "claims", f"missing ({g.what}) {_short(g.text)!r}")
    for f in extra:
        report.miss(paper, "claims", f"extra ({f.what}) {_short(f.text)!r}")


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."



# ---------------------------------------------------------------- reading gold and the warehouse


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load_gold(gold_dir: Path) -> list[tuple[Path, DocRecord, str]]:
    """(gold file, record, paper file name) for every *.yaml in `gold_dir`."""
    out = []
    for path in sorted(Path(gold_dir).glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        paper = str(raw.get("paper") or "")
        if not paper:
            raise ValueError(f"{path}: no 'paper'")
        lists = tuple(
            ListRecord(
                role=str(lst["role"]), stance=str(lst.get("stance") or "current"),
                applies_from=_date(lst.get("applies_from")), applies_to=_date(lst.get("applies_to")),
                heading=str(lst.get("heading") or ""),
                items=tuple(Item(str(i["label"]), i.get("detail") or None) if isinstance(i, dict) else Item(str(i))
                            for i in lst.get("items") or ()),
            )
            for lst in raw.get("lists") or ()
        )
        lookalikes = tuple(str(x.get("heading") or x.get("what") or "") if isinstance(x, dict) else str(x)
                           for x in raw.get("lookalikes") or ())
        claims = []
        for c in raw.get("claims") or ():
            if not isinstance(c, dict) or not c.get("text"):
                raise ValueError(f"{path}: a claim needs 'what' and 'text' (the sentence as printed): {c!r}")
            claims.append(ClaimRecord(str(c["what"]) if c.get("what") else None, str(c["text"])))
        record = DocRecord(Path(paper).stem, raw.get("kind"), _date(raw.get("meeting_date")), raw.get("committee"),
                           raw.get("body"), lists, lookalikes, tuple(claims))
        out.append((path, record, paper))
    return out


def read_warehouse(db_path: Path) -> dict[str, DocRecord]:
    """Every document the warehouse holds, as a record keyed by its file's stem."""
    from warehouse.store import connect

    con = connect(db_path, read_only=True)
    try:
        docs = con.execute("SELECT doc_id, source_path, doc_kind, meeting_date, committee, body FROM documents"
                           ).fetchall()
        lists: dict[str, list[ListRecord]] = {}
        rows = con.execute(
            """SELECT l.doc_id, l.list_id, l.role, l.stance, l.applies_from, l.applies_to, l.heading,
                      list(struct_pack(label := i.raw_label, detail := i.detail) ORDER BY i.position)
               FROM lists l JOIN list_items i USING (list_id) GROUP BY ALL ORDER BY l.list_id"""
        ).fetchall()
        claims: dict[str, list[ClaimRecord]] = {}
        for doc_id, what, text in con.execute(
                "SELECT doc_id, change_type, text FROM version_claims ORDER BY claim_id").fetchall():
            claims.setdefault(doc_id, []).append(ClaimRecord(what, text))
    finally:
        con.close()
    for doc_id, _list_id, role, stance, start, end, heading, items in rows:
        lists.setdefault(doc_id, []).append(ListRecord(
            role, stance, start, end, heading, tuple(Item(i["label"], i["detail"]) for i in items)))
    return {
        Path(source).stem: DocRecord(Path(source).stem, kind, meeting, committee, body, tuple(lists.get(doc_id, ())),
                                     claims=tuple(claims.get(doc_id, ())))
        for doc_id, source, kind, meeting, committee, body in docs
    }


def format_report(report: Report, title: str, show_misses: bool = True) -> str:
    lines = [f"{title}: {report.papers} papers"
             + (f" ({len(report.unscored)} not loaded, scored as missed: {', '.join(report.unscored)})"
                if report.unscored else ""),
             "",
             f"| {'field':<20} | {'TP':>5} | {'FP':>4} | {'FN':>4} | precision | recall |   F1  |",
             f"|{'-' * 22}|{'-' * 7}|{'-' * 6}|{'-' * 6}|{'-' * 11}|{'-' * 8}|{'-' * 7}|"]
    for name, t in report.tallies.items():
        lines.append(f"| {name:<20} | {t.tp:>5} | {t.fp:>4} | {t.fn:>4} | {t.precision:>9.3f} | {t.recall:>6.3f} "
                     f"| {t.f1:.3f} |")
    lines.append(f"| {'invented lists':<20} | {len(report.invented):>5} |      |      |           |        |       |")
    if report.by_role:
        lines += ["", "Lists found with their role right, by role:", "",
                  f"| {'role':<20} | {'TP':>5} | {'FP':>4} | {'FN':>4} | precision | recall |   F1  |",
                  f"|{'-' * 22}|{'-' * 7}|{'-' * 6}|{'-' * 6}|{'-' * 11}|{'-' * 8}|{'-' * 7}|"]
        for name, t in sorted(report.by_role.items(), key=lambda kv: -(kv[1].tp + kv[1].fn)):
            lines.append(f"| {name:<20} | {t.tp:>5} | {t.fp:>4} | {t.fn:>4} | {t.precision:>9.3f} "
                         f"| {t.recall:>6.3f} | {t.f1:.3f} |")
    if show_misses and (report.misses or report.invented):
        lines += ["", "Misses:"]
        for paper, name, what in sorted(report.misses):
            lines.append(f"  {paper}: {name}: {what}")
        for paper, heading in report.invented:
            lines.append(f"  {paper}: INVENTED priorities/themes list: {heading!r}")
    return "\n".join(lines)


def evaluate(gold_dir: Path, db_path: Path | None = None, papers_dir: Path | None = None,
             workdir: Path | None = None, only_in: Path | None = None) -> Report:
    """Score the papers of `gold_dir` (found in `papers_dir`, default `gold_dir/../papers`, by file name or
    by stem, so printed PDFs stand in for their sources): from `db_path` when it exists, else from a
    warehouse built now (into `db_path`, or a temporary file under `workdir`).

    With `papers_dir` given, or `only_in`, only the gold papers that have a file there are scored
    (the PDF printings are a subset of the corpus)."""
    import shutil
    import tempfile

    gold = load_gold(gold_dir)
    if papers_dir is not None or only_in is not None:
        where = Path(only_in) if only_in is not None else Path(papers_dir)
        gold = [g for g in gold if _paper_file(where, g[2]) is not None]
    papers_dir = Path(papers_dir) if papers_dir else Path(gold_dir).parent / "papers"
    if db_path is None or not Path(db_path).exists():
        from flows.build import build

        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            corpus = Path(tmp) / "papers"
            corpus.mkdir()
            for _, _, paper in gold:
                source = _paper_file(papers_dir, paper)
                if source is not None:
                    shutil.copy(source, corpus / source.name)
            target = Path(db_path) if db_path else Path(tmp) / "eval.duckdb"
            build(corpus=corpus, db_path=target, cache_dir="off")
            found = read_warehouse(target)
    else:
        found = read_warehouse(Path(db_path))
    return score([record for _, record, _ in gold], found)


def _paper_file(papers_dir: Path, paper: str) -> Path | None:
    exact = papers_dir / paper
    if exact.is_file():
        return exact
    return next(iter(sorted(papers_dir.glob(f"{Path(paper).stem}.*"))), None)
