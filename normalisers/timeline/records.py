"""The records the timeline steps pass along: lists in, canonical items, intervals and changes out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

KINDS = {"priorities": "priority", "cross_cutting_themes": "theme"}
ROLE_OF = {kind: role for role, kind in KINDS.items()}
ONE_DAY = dt.timedelta(days=1)
METHOD_RANK = {"curated": 0, "exact": 1, "normalised": 2, "abbreviation": 3, "fuzzy": 4}  # link layers, first first


@dataclass(frozen=True)
class Item:
    list_id: str
    position: int
    raw_label: str
    page: int
    line: int


@dataclass(frozen=True)
class ListRef:
    list_id: str
    doc_id: str
    role: str
    stance: str
    applies_from: dt.date | None
    applies_to: dt.date | None
    observed_on: dt.date | None  # the date of the document that prints the list
    items: tuple[Item, ...]
    body: str = ""  # the partnership whose agreement it is; '' when one body is assumed


@dataclass(frozen=True)
class Curated:
    raw_label: str
    kind: str
    canonical_id: str
    reason: str


@dataclass(frozen=True)
class Link:
    canonical_id: str
    method: str  # curated | exact | normalised | abbreviation | fuzzy
    score: float  # 100 for every layer but fuzzy, whose score is labels.similarity's
    reason: str = ""


@dataclass(frozen=True)
class CanonicalItem:
    canonical_id: str
    kind: str
    label: str
    body: str = ""


BASES = ("printed", "carried_forward", "proposed_only")


@dataclass(frozen=True)
class TimelineRow:
    """One canonical item, in one wording, known one way, over one unbroken interval."""

    canonical_id: str
    kind: str
    label: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: still in force at the body's latest list
    basis: str  # printed | carried_forward | proposed_only
    evidence: Item  # the printed item it rests on (carried_forward: the last printing before it)
    evidence_doc: str
    first_doc: str  # the first and last papers that print this item in this wording
    last_doc: str
    body: str = ""


CHANGE_TYPES = ("added", "removed", "renamed", "split", "merged")


@dataclass(frozen=True)
class Change:
    """A change to a body's priorities or themes: seen between two lists (`observed`), narrated by a
    paper (`stated`), or proposed and never shown adopted (`proposed`).

    `effective_date` is the day the change is first in force where the lists show it (observed,
    proposed); a stated change that gives only a year has none. `earliest`..`latest` is the window
    the change must lie in: from the day after the last list showing the state before to the first
    list showing the state after, or the year the paper states (narrowed by its linked change).
    """

    kind: str  # priority | theme
    change_type: str  # added | removed | renamed | split | merged
    effective_date: dt.date | None
    earliest: dt.date | None
    latest: dt.date | None
    before_labels: tuple[str, ...]
    after_labels: tuple[str, ...]
    basis: str  # observed | stated | proposed
    doc_id: str  # observed/proposed: the document of the later list; stated: the narrating document
    evidence: str
    body: str = ""
    canonical_ids: tuple[str, ...] = ()
    change_id: str = ""
    linked_change_id: str | None = None  # the stated change of the same transition, and the other way round


@dataclass
class Normalised:
    canonical_items: list[CanonicalItem]
    links: dict[tuple[str, int], Link]  # (list_id, position) -> link
    lead_links: dict[tuple[str, int], Link]  # (doc_id, index of the lead in its document) -> link
    timeline: list[TimelineRow]
    changes: list[Change]
    versions: dict[tuple[str, str], list] = field(default_factory=dict)  # (body, kind) -> effective versions
    proposals: list = field(default_factory=list)  # versions.Proposal: each proposed list, adopted or not
    gaps: list = field(default_factory=list)  # intervals.Gap: spans inside a body's history with nothing in force
