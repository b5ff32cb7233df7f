"""The timeline: one row per canonical item, wording, basis and unbroken interval; and the gaps.

From each state (states.evolve) until the next one starts:
- an item its papers print is `printed` until the version's last shown day (versions.printed_until),
  then `carried_forward` until the next version when versions.carried_across allows;
- an item in force but not printed by this version's papers (a proposal that was not adopted
  reworded it) is `carried_forward` throughout;
- a proposal's change that was not adopted is `proposed_only` over the same span;
- where a version states its end and the next is not bridged, nothing is in force between: a gap
  (`nothing_in_force`); a span carried forward with no paper is a gap of kind `no_paper`.
Rows of one item that touch, in the same wording and basis, are one row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from normalisers import labels
from normalisers.timeline.records import ONE_DAY, Item, Link, ListRef, TimelineRow
from normalisers.timeline.states import State
from normalisers.timeline.versions import carried_across, printed_until


@dataclass(frozen=True)
class Gap:
    body: str
    kind: str
    gap_from: dt.date
    gap_to: dt.date
    what: str  # nothing_in_force | no_paper
    before_list: str  # the last list before the gap, and the first after
    after_list: str
    reason: str


@dataclass
class _Segment:
    label: str
    basis: str
    start: dt.date
    end: dt.date | None
    evidence: Item


def printers(lists: Sequence[ListRef], links: Mapping[tuple[str, int], Link]) -> dict[tuple[str, str], list]:
    """(canonical id, wording) -> [(date, doc_id)] of every list item printing it, oldest first."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for x in lists:
        when = x.observed_on or x.applies_from or dt.date.min
        for it in x.items:
            link = links.get((it.list_id, it.position))
            if link:
                out[(link.canonical_id, labels.wording(it.raw_label))].append((when, x.doc_id))
    for v in out.values():
        v.sort()
    return out


def rows_and_gaps(kind: str, body: str, states: list[State], list_doc: Mapping[str, str],
                  printed_by: Mapping[tuple[str, str], list]) -> tuple[list[TimelineRow], list[Gap]]:
    segments: dict[str, list[_Segment]] = defaultdict(list)
    gaps: list[Gap] = []

    def add(cid: str, item: Item, basis: str, start: dt.date, end: dt.date | None) -> None:
        if end is not None and end < start:
            return
        segments[cid].append(_Segment(item.raw_label, basis, start, end, item))

    for i, st in enumerate(states):
        v = st.version
        nxt = states[i + 1].version if i + 1 < len(states) else None
        shown_until = printed_until(v, nxt)
        carry = nxt is not None and carried_across(v, nxt)
        span_end = (nxt.start - ONE_DAY) if carry else shown_until  # type: ignore[union-attr]
        for cid, item in st.items.items():
            if cid in st.printed:
                add(cid, item, "printed", st.start, shown_until)
                if carry and shown_until is not None and shown_until < span_end:  # type: ignore[operator]
                    add(cid, item, "carried_forward", shown_until + ONE_DAY, span_end)
            else:
                add(cid, item, "carried_forward", st.start, span_end)
        for cid, item in st.proposed_only.items():
            add(cid, item, "proposed_only", st.start, span_end)
        if nxt is not None and shown_until is not None and shown_until + ONE_DAY < nxt.start:
            start, end = shown_until + ONE_DAY, nxt.start - ONE_DAY
            if carry:
                gaps.append(Gap(body, kind, start, end, "no_paper", v.primary.list_id, nxt.primary.list_id,
                                f"no {kind} list of this period: what the {v.primary.stance} list "
                                f"{v.primary.list_id} shows is carried forward to the next list"))
            else:
                gaps.append(Gap(body, kind, start, end, "nothing_in_force", v.primary.list_id, nxt.primary.list_id,
                                f"the {v.primary.stance} list {v.primary.list_id} states its end, {v.stated_end}, "
                                f"and the corpus has no {kind} list until {nxt.start}"))
    rows: list[TimelineRow] = []
    for cid, segs in segments.items():
        segs.sort(key=lambda s: (s.basis, s.start))
        merged: list[_Segment] = []
        for s in segs:
            last = merged[-1] if merged else None
            if (last is not None and last.basis == s.basis and last.end is not None
                    and last.end + ONE_DAY == s.start and labels.wording(last.label) == labels.wording(s.label)):
                last.end = s.end
            else:
                merged.append(_Segment(s.label, s.basis, s.start, s.end, s.evidence))
        for s in merged:
            docs = printed_by.get((cid, labels.wording(s.label)), [])
            first = docs[0][1] if docs else list_doc[s.evidence.list_id]
            last_doc = docs[-1][1] if docs else list_doc[s.evidence.list_id]
            rows.append(TimelineRow(cid, kind, s.label, s.start, s.end, s.basis, s.evidence,
                                    list_doc[s.evidence.list_id], first, last_doc, body))
    return rows, gaps
