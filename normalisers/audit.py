"""Audit of what papers claim about their own changes, against what the extracted lists show.

Pure: extracted documents, their claims and the normalisation in; verdicts and findings out.

A claim about priorities or themes is judged at the transition between the two versions either
side of its date (see normalisers.timeline for versions):
- `confirmed`: the observed changes at that transition match it in kind and count (for a proposal:
  the first later list from another paper carries it out);
- `contradicted`: the lists either side show something else;
- `unverifiable`: the corpus has no list on one side, or only one so far away that the change cannot
  be placed in the claim's year (a gap longer than labels.yaml's presume_in_force_days);
- `out_of_scope`: it does not concern priorities or themes ('Ch.5 - achievements added').
A list printed under a statement that it is unchanged since the previous review stands for that
previous version too (claims.yaml: restated_cycle_years), so such a statement can vouch for the year
before the list's own start.
Inconsistencies inside one paper (a proposal its own list does not carry out; a running footer
naming another year; a version-control table that stops short of the paper's version) are findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.claims import Claim, month_year, paragraph_number
from extractors.claims import _rules as claim_rules
from normalisers import labels
from normalisers.timeline import ONE_DAY, ROLE_OF, Change, Normalised, Version, bodies, observed_on

VERDICTS = ("confirmed", "contradicted", "unverifiable", "out_of_scope")


@dataclass(frozen=True)
class AuditedClaim:
    claim_id: str
    doc_id: str
    claim: Claim
    verdict: str
    explanation: str
    change_ids: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    finding_id: str
    doc_id: str
    finding_type: str  # proposal_not_in_own_list | footer_other_year | version_table_stops_short
    explanation: str
    page: int
    line: int


@dataclass(frozen=True)
class _Step:
    """One transition of a chain: the version before (None at the start) and after, and how far apart."""

    before: Version | None
    after: Version
    before_end: dt.date | None
    restated_by: str | None  # a statement that the list did not change at this step


def _period(claim: Claim) -> tuple[dt.date, dt.date] | None:
    d = claim.claim_date
    if d is None:
        return None
    if claim.precision == "year":
        return dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return d, nxt - ONE_DAY


def _items(v: Version, n: Normalised) -> list[tuple[str, str]]:
    return [(n.links[(it.list_id, it.position)].canonical_id, it.raw_label) for it in v.primary.items]


def _restated(doc, claims: Sequence[Claim], chain: list[Version], kind: str) -> list[tuple[Version, str]]:
    """(version, statement) for lists this paper prints under a statement that they did not change."""
    out = []
    numbered = [b.line_start for b in doc.document.blocks if paragraph_number(b)]
    for c in claims:
        if c.source != "statement" or c.introduces_list_after is None:
            continue
        nxt = min((ln for ln in numbered if ln > c.introduces_list_after), default=10**9)
        for v in chain:
            printed = [x for x in (v.primary, *v.others) if x.doc_id == doc.doc_id and x.items]
            if any(c.line < x.items[0].line < nxt for x in printed):
                out.append((v, f"{c.text} (p.{c.page} l.{c.line})"))
    return out


def _steps(chain: list[Version], restated: list[tuple[Version, str]]) -> list[_Step]:
    years = int(claim_rules()["restated_cycle_years"])
    steps = []
    for i, v in enumerate(chain):
        before = chain[i - 1] if i else None
        statement = next((s for rv, s in restated if rv is v), None)
        if statement:
            start = v.applies_from.replace(year=v.applies_from.year - years, day=min(v.applies_from.day, 28))
            if before is None or before.evidence_end < start:
                ghost = Version(start, v.primary, [])
                steps.append(_Step(before, ghost, before.evidence_end if before else None, None))
                steps.append(_Step(ghost, v, v.applies_from - ONE_DAY, statement))
                continue
        steps.append(_Step(before, v, before.evidence_end if before else None, None))
    return steps


def _describe(changes: Sequence[Change]) -> str:
    parts = []
    for c in changes:
        before, after = "', '".join(c.before_labels), "', '".join(c.after_labels)
        if c.change_type == "added":
            parts.append(f"'{after}' added")
        elif c.change_type == "removed":
            parts.append(f"'{before}' removed")
        else:
            parts.append(f"'{before}' {c.change_type} to '{after}'")
    return "; ".join(parts) or "no change"


def _same_label(a: str, b: str) -> bool:
    return bool(labels.equal_forms(a, b) or labels.same_substance(a, b))


def _as_pair(claimed, observed: Sequence[Change]) -> bool:
    """A claimed rename the lists show as the old label removed and the new one added (words too unlike to link)."""
    if claimed.change_type != "renamed":
        return False
    removed = any(o.change_type == "removed" and any(_same_label(b, x) for b in claimed.before_labels
                                                     for x in o.before_labels) for o in observed)
    added = any(o.change_type == "added" and any(_same_label(a, x) for a in claimed.after_labels
                                                 for x in o.after_labels) for o in observed)
    return removed and added


def _matches(claimed, observed: Change) -> bool:
    if claimed.kind != observed.kind:
        return False
    wanted = claimed.after_labels or claimed.before_labels
    got = observed.after_labels or observed.before_labels
    types = {claimed.change_type} | ({"added"} if claimed.change_type == "split" else set())
    return observed.change_type in types and any(_same_label(w, g) for w in wanted for g in got)


class _Auditor:
    def __init__(self, docs, n: Normalised, claims: dict[str, list[Claim]]):
        self.n = n
        self.body_of = bodies(docs)
        self.docs = {d.doc_id: d for d in docs}
        self.steps: dict[tuple[str, str], list[_Step]] = {}
        for (body, kind), chain in n.versions.items():
            restated = [r for d in docs if self.body_of[d.doc_id] == body
                        for r in _restated(d, claims.get(d.doc_id, []), chain, kind)]
            self.steps[(body, kind)] = _steps(chain, restated)
        self.observed: dict[tuple[str, str, dt.date], list[Change]] = {}
        for c in n.changes:
            if c.basis == "observed":
                self.observed.setdefault((c.body, c.kind, c.effective_date), []).append(c)  # type: ignore[arg-type]
        self.gap_days = int(labels.rules()["presume_in_force_days"])

    def transition(self, body: str, kind: str, period: tuple[dt.date, dt.date]):
        """(verdict-or-None, reason, step) for the transition a claim's period falls on."""
        p0, p1 = period
        steps = self.steps.get((body, kind), [])
        hit = [s for s in steps if s.after.applies_from >= p0 and (s.before_end is None or s.before_end < p1)]
        if not steps or not hit:
            if steps and p0 > steps[-1].after.evidence_end:
                return "unverifiable", f"The corpus has no {kind} list after {steps[-1].after.evidence_end}.", None
            within = [s for s in steps if s.after.applies_from <= p0 and p1 <= s.after.evidence_end]
            if within:  # the period falls inside one version: its list shows no change then
                return None, "", _Step(within[0].after, within[0].after, within[0].after.evidence_end, None)
            return "unverifiable", f"The corpus has no {kind} list for {p0.year}.", None
        step = hit[0]
        if step.before is None:
            return "unverifiable", f"The corpus has no {kind} list before {step.after.applies_from}.", None
        if step.before_end and (step.after.applies_from - step.before_end).days > self.gap_days:
            return "unverifiable", (
                f"The corpus has no {kind} list between {step.before_end} and {step.after.applies_from}, "
                f"so it cannot show what changed in {p0.year if p1.year == p0.year else f'{p0}..{p1}'}."
            ), None
        return None, "", step

    def changes_at(self, body: str, kind: str, step: _Step) -> list[Change]:
        if step.restated_by or step.before is step.after:
            return []
        return self.observed.get((body, kind, step.after.applies_from), [])

    def judge(self, claim: Claim, doc_id: str) -> tuple[str, str, tuple[str, ...]]:
        body = self.body_of[doc_id]
        if not claim.subjects:
            return "out_of_scope", "It does not concern the priorities or cross-cutting themes.", ()
        if claim.source == "proposal":
            return self.judge_proposal(claim, doc_id)
        period = _period(claim)
        if period is None:
            return "unverifiable", "It gives no date to compare the lists at.", ()
        kinds = tuple(dict.fromkeys(c.kind for c in claim.changes)) or claim.subjects
        results = []
        for kind in kinds:
            verdict, reason, step = self.transition(body, kind, period)
            if verdict:
                results.append((verdict, reason, ()))
                continue
            observed = self.changes_at(body, kind, step)
            results.append(self.compare(claim, kind, step, observed))
        for verdict in ("contradicted", "unverifiable", "confirmed"):
            picked = [r for r in results if r[0] == verdict]
            if picked:
                ids = tuple(i for r in results for i in r[2])
                return verdict, " ".join(r[1] for r in picked), ids
        return "unverifiable", "", ()

    def compare(self, claim: Claim, kind: str, step: _Step, observed: list[Change]):
        ids = tuple(c.change_id for c in observed)
        if step.before is step.after:
            where = f"the {kind} list {step.after.primary.list_id}, in force from {step.after.applies_from},"
        else:
            where = f"the {kind} lists from {step.before.applies_from} and {step.after.applies_from}"
        if step.restated_by:
            where += f" (one list, printed as unchanged: \"{step.restated_by}\")"
        seen = _describe(observed)
        if claim.change_type == "none":
            if observed:
                return "contradicted", f"It claims no change, but {where} show: {seen}.", ids
            verb = "shows" if step.before is step.after else "show"
            return "confirmed", f"It claims no change, and {where} {verb} none.", ids
        claimed = [c for c in claim.changes if c.kind == kind]
        if claimed:
            missing = [c for c in claimed if not (any(_matches(c, o) for o in observed) or _as_pair(c, observed))]
            if missing:
                what = ", ".join(f"{c.change_type} '{(c.after_labels or c.before_labels)[-1]}'" for c in missing)
                return "contradicted", f"It claims {what}, but {where} show: {seen}.", ids
            return "confirmed", f"{where[0].upper() + where[1:]} show it: {seen}.", ids
        typed = claim.change_type in ("added", "removed", "renamed")
        relevant = [c for c in observed if not typed or c.change_type == claim.change_type
                    or (claim.change_type == "renamed" and c.change_type in ("split", "merged"))]
        if typed and observed and not relevant:
            return "contradicted", f"It claims {claim.change_type} {kind}, but {where} show: {seen}.", ids
        observed = relevant
        if claim.count is not None:
            changed = {i for c in observed for i in c.canonical_ids}
            if len(changed) == claim.count:
                return "confirmed", f"It claims {claim.count} {kind} changed; {where} show {seen}.", ids
            return "contradicted", (
                f"It claims {claim.count} {kind} changed, but {where} show {len(changed)}: {seen}."
            ), ids
        if observed:
            return "confirmed", f"It claims a change; {where} show: {seen}.", ids
        return "contradicted", f"It claims a change, but {where} show none.", ids

    def later_list(self, doc_id: str, kind: str, after: dt.date):
        """The first list of this body and kind, from another paper, applying on or after `after`."""
        body = self.body_of[doc_id]
        role = ROLE_OF[kind]
        candidates = [
            (x, d) for d in self.docs.values() if d.doc_id != doc_id and self.body_of[d.doc_id] == body
            for i, x in enumerate(d.lists) if x.role == role and x.applies_from and x.applies_from >= after
        ]
        candidates.sort(key=lambda p: (p[0].applies_from, p[0].stance != "current"))
        return candidates[0] if candidates else (None, None)

    def judge_proposal(self, claim: Claim, doc_id: str):
        (change,) = claim.changes
        when = claim.claim_date or observed_on(self.docs[doc_id]) or dt.date.min
        lst, d = self.later_list(doc_id, change.kind, when)
        if lst is None:
            return "unverifiable", f"The corpus has no later {change.kind} list from another paper.", ()
        where = f"the {lst.stance} list of {d.document.source_path} (from {lst.applies_from}, l.{lst.line})"
        items = [it.raw_label for it in lst.items]
        after, before = change.after_labels[0], change.before_labels[0]
        body = self.body_of[doc_id]
        ids = tuple(
            c.change_id for c in self.n.changes
            if c.basis == "observed" and c.body == body and c.kind == change.kind and c.effective_date
            and when <= c.effective_date <= lst.applies_from
            and any(_same_label(x, y) for x in (before, after) for y in (*c.before_labels, *c.after_labels))
        )
        if any(_same_label(after, it) for it in items):
            return "confirmed", f"Carried out: {where} has '{after}'.", ids
        for grouping in sorted(labels.groupings(after), key=len):
            found = [next((it for it in items if _same_label(part, it)), None) for part in grouping]
            if all(found) and len(set(found)) == len(found):
                return "contradicted", (
                    f"Not as proposed: {where} keeps them apart as " + ", ".join(f"'{f}'" for f in found) + "."
                ), ids
        if any(_same_label(before, it) for it in items):
            return "contradicted", f"Not carried out: {where} still has '{before}'.", ids
        return "contradicted", f"Not as proposed: {where} has neither '{before}' nor '{after}'.", ids


def _findings(docs, claims: dict[str, list[Claim]]) -> list[Finding]:
    out: list[Finding] = []
    for d in docs:
        found: list[tuple[str, str, int, int]] = []
        for c in claims.get(d.doc_id, []):
            if c.source != "proposal":
                continue
            (change,) = c.changes
            role = ROLE_OF[change.kind]
            for i, x in enumerate(d.lists):
                if x.role != role or x.stance != "proposed":
                    continue
                labels_ = [it.raw_label for it in x.items]
                keeps = next((lbl for lbl in labels_ if _same_label(change.before_labels[0], lbl)), None)
                if keeps and not any(_same_label(change.after_labels[0], lbl) for lbl in labels_):
                    found.append((
                        "proposal_not_in_own_list",
                        f"§{c.section or '?'} (l.{c.line}) proposes '{change.before_labels[0]}' become "
                        f"'{change.after_labels[0]}', but the paper's own proposed list {d.list_id(i)} "
                        f"('{x.heading}', l.{x.line}) keeps '{keeps}'.",
                        x.page, x.line,
                    ))
        own = d.metadata.effective_from or d.metadata.meeting_date
        for ln in d.document.furniture:
            printed = month_year(ln.text)
            if own and printed and printed.year != own.year:
                found.append((
                    "footer_other_year",
                    f"A running header/footer names {printed:%B %Y} ('{ln.text}'), but the paper is dated {own}.",
                    ln.page, ln.number,
                ))
        versions = [c.version for c in claims.get(d.doc_id, []) if c.source == "version_control" and c.version]
        if versions and d.metadata.version_label:
            last = max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
            mine = tuple(int(p) for p in d.metadata.version_label.split("."))
            if tuple(int(p) for p in last.split(".")) < mine:
                first = next(c for c in claims[d.doc_id] if c.source == "version_control")
                found.append((
                    "version_table_stops_short",
                    f"The version-control table's last row is {last}, but the paper is version "
                    f"{d.metadata.version_label}: the rows for the versions since are missing.",
                    first.page, first.line,
                ))
        seen = set()
        for kind, text, page, line in found:
            if (kind, text) in seen:
                continue
            seen.add((kind, text))
            out.append(Finding(f"{d.doc_id}-F{len(seen):02d}", d.doc_id, kind, text, page, line))
    return out


def audit(docs, n: Normalised, claims: dict[str, list[Claim]]) -> tuple[list[AuditedClaim], list[Finding]]:
    """Judge every claim of every document; list each document's internal inconsistencies."""
    auditor = _Auditor(docs, n, claims)
    out = []
    for d in sorted(docs, key=lambda d: d.doc_id):
        for k, claim in enumerate(claims.get(d.doc_id, []), start=1):
            verdict, explanation, ids = auditor.judge(claim, d.doc_id)
            out.append(AuditedClaim(f"{d.doc_id}-C{k:03d}", d.doc_id, claim, verdict, explanation, ids))
    return out, _findings(docs, claims)
