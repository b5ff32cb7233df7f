"""Versions of a body's priorities (or themes): the lists grouped by the date they apply from.

Each group is one version. Its primary list is the best evidence for it: a current list before a
historic one before a proposal, then the longest stated period. A proposal whose start a current
list already covers is not a version of its own. A version printed under a statement that it is
unchanged since the previous review also stands for the cycle before (`restate`).

Two rules of time, shared by the timeline and the audit:
- `bridged`: the next version starts within timeline.yaml's `presume_in_force_days` of the last day
  the corpus shows this one (its stated end, else the date of the latest paper printing it);
- what a version shows is carried forward to the next version unless it states an end and the
  next version is not bridged (then the corpus has a gap).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from normalisers.rulebook import load_rules
from normalisers.timeline.records import ONE_DAY, ListRef

STANCE_RANK = {"current": 0, "historic": 1, "proposed": 2}


@dataclass
class Version:
    applies_from: dt.date
    primary: ListRef
    others: list[ListRef] = field(default_factory=list)
    restated_by: str | None = None  # a statement that the list did not change since the previous cycle
    restated_from: dt.date | None = None  # the earlier start that statement vouches for

    @property
    def start(self) -> dt.date:
        """The first day the corpus shows this version in force."""
        return self.restated_from or self.applies_from

    @property
    def stated_end(self) -> dt.date | None:
        return self.primary.applies_to

    @property
    def evidence_end(self) -> dt.date:
        """The last day the corpus shows this version in force."""
        if self.primary.applies_to:
            return self.primary.applies_to
        seen = [x.observed_on for x in (self.primary, *self.others) if x.observed_on]
        return max([self.applies_from, *seen])

    @property
    def lists(self) -> tuple[ListRef, ...]:
        return (self.primary, *self.others)


def _primary_rank(x: ListRef) -> tuple:
    return (
        STANCE_RANK.get(x.stance, 9),
        -(x.applies_to or dt.date.min).toordinal(),
        (x.observed_on or dt.date.max).toordinal(),
        x.list_id,
    )


def _covers(x: ListRef, day: dt.date) -> bool:
    end = x.applies_to or x.observed_on
    return x.applies_from is not None and end is not None and x.applies_from <= day <= end


def versions(lists: Sequence[ListRef]) -> tuple[list[Version], list[ListRef]]:
    """The chain of versions for one role and body, and the lists that are in no version (undated)."""
    lists = [
        replace(x, applies_to=None) if x.applies_from and x.applies_to and x.applies_to < x.applies_from else x
        for x in lists
    ]  # an end printed before the start is a misread, not a period
    # A current list whose paper gives no period is in force by the day its paper speaks from
    # (its meeting, or the committee system's date for the meeting).
    lists = [replace(x, applies_from=x.observed_on) if x.applies_from is None and x.stance == "current"
             and x.observed_on is not None else x for x in lists]
    dated = [x for x in lists if x.applies_from is not None and x.stance in STANCE_RANK]
    undated = [x for x in lists if x not in dated]
    groups: dict[dt.date, list[ListRef]] = defaultdict(list)
    for x in dated:
        groups[x.applies_from].append(x)  # type: ignore[index]
    chain: list[Version] = []
    for start in sorted(groups):
        members = sorted(groups[start], key=_primary_rank)
        chain.append(Version(start, members[0], members[1:]))
    # A proposal for a period that a current or historic list already covers is not a version.
    kept: list[Version] = []
    for v in chain:
        if v.primary.stance == "proposed":
            cover = next(
                (k for k in reversed(kept) if k.primary.stance != "proposed" and _covers(k.primary, v.applies_from)),
                None,
            )
            if cover:
                cover.others.extend([v.primary, *v.others])
                continue
        kept.append(v)
    return kept, undated


def restate(chain: list[Version], restated: Mapping[str, str], years: int) -> None:
    """Versions printed under a statement that they did not change since the last review stand for
    the `years` before their start too, where the corpus shows nothing else for that time."""
    for i, v in enumerate(chain):
        statement = next((restated[x.list_id] for x in v.lists if x.list_id in restated), None)
        if not statement:
            continue
        start = v.applies_from.replace(year=v.applies_from.year - years, day=min(v.applies_from.day, 28))
        before = chain[i - 1] if i else None
        if before is None or before.evidence_end < start:
            v.restated_from, v.restated_by = start, statement


def gap_days() -> int:
    return int(load_rules("timeline.yaml")["presume_in_force_days"])


def restated_years() -> int:
    return int(load_rules("timeline.yaml")["restated_cycle_years"])


def bridged(before: Version, after: Version) -> bool:
    """The corpus shows `before` until close enough to `after`'s start that nothing is missing between."""
    return (after.start - before.evidence_end).days <= gap_days()


def carried_across(before: Version, after: Version) -> bool:
    """What `before` shows stays in force until `after` starts: it states no end, or the next list
    follows close enough (an annual list's end is the next refresh, not a gap)."""
    return before.stated_end is None or bridged(before, after)


def printed_until(before: Version, after: Version | None) -> dt.date | None:
    """The last day `before`'s own papers show it: its stated end, else (bridged) the day before the
    next version, else the latest paper printing it. None: the last version, with no stated end."""
    if after is None:
        return before.stated_end
    limit = after.start - ONE_DAY
    if before.stated_end is not None:
        return min(before.stated_end, limit)
    return limit if bridged(before, after) else min(before.evidence_end, limit)


def next_from_another_paper(chain: Sequence[Version], index: int) -> Version | None:
    """The first later version that prints a list from a paper other than the one(s) of version
    `index`, if it starts within the gap rule of that version (else the corpus cannot say)."""
    own = {x.doc_id for x in chain[index].lists}
    for later in chain[index + 1:]:
        if any(x.doc_id not in own for x in later.lists):
            return later if bridged(chain[index], later) else None
    return None
