"""Each claim judged against the timeline's states (normalisers.timeline.states), so that what the
audit says about a period is what the timeline shows for it.

A claim about priorities or themes is judged at the transition between the two states either side
of its date:
- `confirmed`: the observed changes at that transition bear it out in kind and count (a proposal:
  the next list from another paper, inside the gap rule, carries it out);
- `contradicted`: the lists either side show something else;
- `unverifiable`: the corpus has no list on one side, or only one so far away that the change cannot
  be placed in the claim's period (timeline.yaml's presume_in_force_days), or no later list inside
  that rule to judge a proposal against;
- `out_of_scope`: it does not concern priorities or themes ('Ch.5 - achievements added').
A list the timeline restates (printed as unchanged since the previous review) stands for that
earlier cycle too, so such a statement can vouch for the year before the list's own start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from extractors.claims import Claim
from normalisers import labels
from normalisers.rulebook import load_rules
from normalisers.timeline import ONE_DAY, Change, Normalised, State, Version, bodies, observed_on
from normalisers.timeline.versions import gap_days, next_from_another_paper

VERDICTS = ("confirmed", "contradicted", "unverifiable", "out_of_scope")


@cache
def _rules() -> dict:
    return load_rules("audit.yaml")


@dataclass(frozen=True)
class AuditedClaim:
    claim_id: str
    doc_id: str
    claim: Claim
    verdict: str
    explanation: str
    change_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Step:
    """One transition: the state before (None at the start) and after, and the last day the before is shown."""

    before: State | None
    after: State
    before_end: dt.date | None


def _period(claim: Claim) -> tuple[dt.date, dt.date] | None:
    d = claim.claim_date
    if d is None:
        return None
    if claim.precision == "year":
        return dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return d, nxt - ONE_DAY


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


def same_label(a: str, b: str) -> bool:
    return bool(labels.equal_forms(a, b) or labels.same_substance(a, b))


def _as_pair(claimed, observed: Sequence[Change]) -> bool:
    """A claimed rename the lists show as the old label removed and the new one added (words too unlike to link)."""
    if claimed.change_type != "renamed":
        return False
    removed = any(o.change_type == "removed" and any(same_label(b, x) for b in claimed.before_labels
                                                     for x in o.before_labels) for o in observed)
    added = any(o.change_type == "added" and any(same_label(a, x) for a in claimed.after_labels
                                                 for x in o.after_labels) for o in observed)
    return removed and added


def _matches(claimed, observed: Change) -> bool:
    if claimed.kind != observed.kind:
        return False
    wanted = claimed.after_labels or claimed.before_labels
    got = observed.after_labels or observed.before_labels
    return observed.change_type in _rules()["names_it"][claimed.change_type] and any(
        same_label(w, g) for w in wanted for g in got)


class Auditor:
    def __init__(self, docs, n: Normalised):
        self.n = n
        self.body_of = bodies(docs)
        self.docs = {d.doc_id: d for d in docs}
        self.states: dict[tuple[str, str], list[State]] = n.versions
        self.steps: dict[tuple[str, str], list[_Step]] = {
            key: [_Step(states[i - 1] if i else None, st, states[i - 1].version.evidence_end if i else None)
                  for i, st in enumerate(states)]
            for key, states in n.versions.items()
        }
        self.observed: dict[tuple[str, str, dt.date], list[Change]] = {}
        for c in n.changes:
            if c.basis == "observed":
                self.observed.setdefault((c.body, c.kind, c.effective_date), []).append(c)  # type: ignore[arg-type]
        self.gap_days = gap_days()

    def transition(self, body: str, kind: str, period: tuple[dt.date, dt.date]):
        """(verdict-or-None, reason, step) for the transition a claim's period falls on."""
        p0, p1 = period
        steps = self.steps.get((body, kind), [])
        hit = [s for s in steps if s.after.start >= p0 and (s.before_end is None or s.before_end < p1)]
        if not steps or not hit:
            if steps and p0 > steps[-1].after.version.evidence_end:
                return ("unverifiable", f"The corpus has no {kind} list after {steps[-1].after.version.evidence_end}.",
                        None)
            within = [s for s in steps if s.after.start <= p0 and p1 <= s.after.version.evidence_end]
            if within:  # the period falls inside one state: its list shows no change then
                st = within[0].after
                return None, "", _Step(st, st, st.version.evidence_end)
            return "unverifiable", f"The corpus has no {kind} list for {p0.year}.", None
        step = hit[0]
        if step.before is None:
            return "unverifiable", f"The corpus has no {kind} list before {step.after.start}.", None
        if step.before_end and (step.after.start - step.before_end).days > self.gap_days:
            return "unverifiable", (
                f"The corpus has no {kind} list between {step.before_end} and {step.after.start}, "
                f"so it cannot show what changed in {p0.year if p1.year == p0.year else f'{p0}..{p1}'}."
            ), None
        return None, "", step

    def changes_at(self, body: str, kind: str, step: _Step) -> list[Change]:
        if step.before is step.after:
            return []
        return self.observed.get((body, kind, step.after.start), [])

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
        for verdict in _rules()["verdict_order"]:
            picked = [r for r in results if r[0] == verdict]
            if picked:
                ids = tuple(i for r in results for i in r[2])
                return verdict, " ".join(r[1] for r in picked), ids
        return "unverifiable", "", ()

    def compare(self, claim: Claim, kind: str, step: _Step, observed: list[Change]):
        ids = tuple(c.change_id for c in observed)
        after = step.after
        restated = (f" (printed as unchanged since {after.start}: \"{after.version.restated_by}\")"
                    if after.version.restated_by else "")
        if step.before is after:
            where = f"the {kind} list {after.version.primary.list_id}, in force from {after.start}{restated},"
        else:
            where = f"the {kind} lists from {step.before.start} and {after.start}{restated}"  # type: ignore[union-attr]
        seen = _describe(observed)
        if claim.change_type == "none":
            if observed:
                return "contradicted", f"It claims no change, but {where} show: {seen}.", ids
            verb = "shows" if step.before is after else "show"
            return "confirmed", f"It claims no change, and {where} {verb} none.", ids
        claimed = [c for c in claim.changes if c.kind == kind]
        if claimed:
            missing = [c for c in claimed if not (any(_matches(c, o) for o in observed) or _as_pair(c, observed))]
            if missing:
                what = ", ".join(f"{c.change_type} '{(c.after_labels or c.before_labels)[-1]}'" for c in missing)
                return "contradicted", f"It claims {what}, but {where} show: {seen}.", ids
            return "confirmed", f"{where[0].upper() + where[1:]} show it: {seen}.", ids
        typed = claim.change_type in _rules()["counts_as"]
        relevant = [c for c in observed if not typed or c.change_type in _rules()["counts_as"][claim.change_type]]
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

    def later_version(self, doc_id: str, kind: str, when: dt.date) -> Version | None:
        """The list a proposal is judged against: the next version from another paper after the one
        holding this paper's proposal (the same one the timeline judged adoption by), inside the gap
        rule; for a paper with no list of that kind, the first from another paper starting within the
        gap rule after the proposal's date."""
        states = self.states.get((self.body_of[doc_id], kind), [])
        chain = [st.version for st in states]
        own = [i for i, v in enumerate(chain) if any(x.doc_id == doc_id for x in v.lists)]
        proposed = [i for i in own if chain[i].primary.stance == "proposed" and chain[i].primary.doc_id == doc_id]
        if proposed or own:
            return next_from_another_paper(chain, (proposed or own)[-1])
        for v in chain:
            if v.start >= when and all(x.doc_id != doc_id for x in v.lists):
                return v if (v.start - when).days <= self.gap_days else None
        return None

    def judge_proposal(self, claim: Claim, doc_id: str):
        (change,) = claim.changes
        when = claim.claim_date or observed_on(self.docs[doc_id]) or dt.date.min
        later = self.later_version(doc_id, change.kind, when)
        if later is None:
            return "unverifiable", (
                f"The corpus has no later {change.kind} list from another paper within {self.gap_days} days of it."
            ), ()
        lst = later.primary
        d = self.docs[lst.doc_id]
        where = f"the {lst.stance} list of {d.document.source_path} (from {lst.applies_from}, l.{_line(d, lst)})"
        items = [it.raw_label for it in lst.items]
        after, before = change.after_labels[0], change.before_labels[0]
        body = self.body_of[doc_id]
        ids = tuple(
            c.change_id for c in self.n.changes
            if c.basis == "observed" and c.body == body and c.kind == change.kind and c.effective_date
            and when <= c.effective_date <= later.start
            and any(same_label(x, y) for x in (before, after) for y in (*c.before_labels, *c.after_labels))
        )
        if any(same_label(after, it) for it in items):
            return "confirmed", f"Carried out: {where} has '{after}'.", ids
        for grouping in sorted(labels.groupings(after), key=len):
            found = [next((it for it in items if same_label(part, it)), None) for part in grouping]
            if all(found) and len(set(found)) == len(found):
                return "contradicted", (
                    f"Not as proposed: {where} keeps them apart as " + ", ".join(f"'{f}'" for f in found) + "."
                ), ids
        if any(same_label(before, it) for it in items):
            return "contradicted", f"Not carried out: {where} still has '{before}'.", ids
        return "contradicted", f"Not as proposed: {where} has neither '{before}' nor '{after}'.", ids


def _line(doc, lst) -> int:
    """The line of a list's label in its document."""
    for i, x in enumerate(doc.lists):
        if doc.list_id(i) == lst.list_id:
            return x.line
    return lst.items[0].line if lst.items else 0


def judge_all(docs, n: Normalised, claims: dict[str, list[Claim]]) -> list[AuditedClaim]:
    auditor = Auditor(docs, n)
    out = []
    for d in sorted(docs, key=lambda d: d.doc_id):
        for k, claim in enumerate(claims.get(d.doc_id, []), start=1):
            verdict, explanation, ids = auditor.judge(claim, d.doc_id)
            out.append(AuditedClaim(f"{d.doc_id}-C{k:03d}", d.doc_id, claim, verdict, explanation, ids))
    return out


__all__ = ["VERDICTS", "AuditedClaim", "Auditor", "judge_all", "same_label"]
