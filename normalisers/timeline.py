"""Canonical priorities and themes, the changes between consecutive lists, and the timeline.

Pure: lists in, records out. The steps, for each kind (priority, theme) and each body:

1. Versions. Priority (or theme) lists are grouped by the date they apply from; each group
   is one version of the agreement. Its primary list is the best evidence for it: a
   current list before a historic one before a proposal, then the longest stated period.
   A proposal whose start a current list already covers is not a version of its own.
2. Links. Each list item is linked to a canonical item, in layers: a curated override;
   the same label (`exact`); the same key after normalisation (`normalised`); the same
   key with abbreviations spelt out (`abbreviation`); else, only between the leftovers of
   one version and the version before it, a one-to-one `fuzzy` link that labels.similarity
   accepts (containment or the same head, never one shared word). An item still unlinked
   starts a new canonical item.
3. Changes between consecutive versions: `split` (an earlier label whose parts are each a
   later item), `merged` (the reverse), `renamed` (same canonical item, other wording),
   `added`, `removed`.
4. Timeline: one row per canonical item, wording, basis and unbroken interval.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from normalisers import labels

KINDS = {"priorities": "priority", "cross_cutting_themes": "theme"}
ROLE_OF = {kind: role for role, kind in KINDS.items()}
STANCE_RANK = {"current": 0, "historic": 1, "proposed": 2}
METHOD_RANK = {"curated": 0, "exact": 1, "normalised": 2, "abbreviation": 3, "fuzzy": 4}
ONE_DAY = dt.timedelta(days=1)


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


@dataclass(frozen=True)
class TimelineRow:
    canonical_id: str
    kind: str
    label: str
    valid_from: dt.date
    valid_to: dt.date | None
    basis: str  # current | historic | proposed: the stance of the list that shows it
    doc_id: str


@dataclass(frozen=True)
class Change:
    change_id: str
    kind: str
    change_type: str  # added | removed | renamed | split | merged
    effective_date: dt.date | None
    before_labels: tuple[str, ...]
    after_labels: tuple[str, ...]
    canonical_ids: tuple[str, ...]
    basis: str  # observed | stated
    doc_id: str
    evidence: str
    body: str = ""


@dataclass(frozen=True)
class StatedChange:
    """A change a document narrates ('2020 - the priority of X was expanded to become Y')."""

    doc_id: str
    kind: str
    change_type: str
    effective_date: dt.date | None
    before_labels: tuple[str, ...]
    after_labels: tuple[str, ...]
    evidence: str
    body: str = ""
    order: int = 0  # position in the document's narration


@dataclass
class Normalised:
    canonical_items: list[CanonicalItem]
    links: dict[tuple[str, int], Link]  # (list_id, position) -> link
    lead_links: dict[tuple[str, int], Link]  # (doc_id, index of the lead in its document) -> link
    timeline: list[TimelineRow]
    changes: list[Change]
    versions: dict[tuple[str, str], list[Version]] = field(default_factory=dict)  # (body, kind) -> chain


# ---------------------------------------------------------------------------- registry


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


# ---------------------------------------------------------------------------- versions


@dataclass
class Version:
    applies_from: dt.date
    primary: ListRef
    others: list[ListRef] = field(default_factory=list)

    @property
    def evidence_end(self) -> dt.date:
        """The last day the corpus shows this version in force."""
        if self.primary.applies_to:
            return self.primary.applies_to
        seen = [x.observed_on for x in (self.primary, *self.others) if x.observed_on]
        return max([self.applies_from, *seen])


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


def contiguous(before: Version, after: Version) -> bool:
    """No gap in the corpus between two consecutive versions."""
    if before.primary.applies_to:
        return after.applies_from <= before.primary.applies_to + ONE_DAY
    days = (after.applies_from - before.evidence_end).days
    return days <= int(labels.rules()["presume_in_force_days"])


def end_before(before: Version, after: Version) -> dt.date:
    """Last day of an interval that `before` shows and `after` no longer does."""
    if contiguous(before, after):
        return after.applies_from - ONE_DAY
    return before.evidence_end


# ---------------------------------------------------------------------------- linking


@dataclass
class _Step:
    links: dict[int, Link]
    splits: list[tuple[Item, list[Item]]] = field(default_factory=list)
    merges: list[tuple[list[Item], Item]] = field(default_factory=list)


def _component_match(label: str, candidates: Sequence[Item]) -> list[Item] | None:
    """The candidates that the label's parts each name, if it reads as two or more of them."""
    for grouping in sorted(labels.groupings(label), key=len):
        chosen: list[Item] = []
        for part in grouping:
            match = next(
                (
                    c
                    for c in candidates
                    if c not in chosen
                    and (labels.equal_forms(part, c.raw_label) or labels.same_substance(part, c.raw_label))
                ),
                None,
            )
            if match is None:
                break
            chosen.append(match)
        else:
            return chosen
    return None


def _link_list(
    kind: str,
    after: ListRef,
    before: ListRef | None,
    before_links: dict[int, Link],
    registry: Registry,
    structural: bool,
) -> _Step:
    step = _Step({})
    for it in after.items:
        found = registry.lookup(kind, it.raw_label)
        if found:
            step.links[it.position] = found
    claimed = {link.canonical_id for link in step.links.values()}
    consumed_before: set[int] = set()
    if before is not None and structural:
        before_ids = {pos: link.canonical_id for pos, link in before_links.items()}
        present_before = set(before_ids.values())
        for b in before.items:
            parts = _component_match(b.raw_label, after.items)
            cb = before_ids.get(b.position)
            if not parts or cb is None or len({p.position for p in parts}) < 2:
                continue
            if any(
                p.position in step.links and step.links[p.position].canonical_id not in (cb,)
                and step.links[p.position].canonical_id in present_before
                for p in parts
            ):
                continue  # the parts were separate items already: 'A & B' dropped, not split
            for p in parts:
                if p.position in step.links:
                    continue
                if cb not in claimed:
                    sim = labels.similarity(b.raw_label, p.raw_label)
                    step.links[p.position] = Link(cb, "fuzzy", sim.score, "a part of the earlier, combined label")
                    claimed.add(cb)
            step.splits.append((b, parts))
            consumed_before.add(b.position)
        for a in after.items:
            if a.position in step.links:
                continue
            free = [b for b in before.items if before_ids.get(b.position) not in claimed]
            parts = _component_match(a.raw_label, free)
            if not parts or len(parts) < 2:
                continue
            cid = before_ids[parts[0].position]
            sim = labels.similarity(parts[0].raw_label, a.raw_label)
            step.links[a.position] = Link(cid, "fuzzy", sim.score, "the earlier items are each a part of this label")
            claimed.update(before_ids[p.position] for p in parts)
            consumed_before.update(p.position for p in parts)
            step.merges.append((parts, a))
    if before is not None:
        leftovers_before = [
            b
            for b in before.items
            if b.position in before_links
            and before_links[b.position].canonical_id not in claimed
            and b.position not in consumed_before
        ]
        leftovers_after = [a for a in after.items if a.position not in step.links]
        pairs = []
        single = len(leftovers_before) == 1 and len(leftovers_after) == 1
        for b in leftovers_before:
            for a in leftovers_after:
                sim = labels.similarity(b.raw_label, a.raw_label)
                if sim.linkable and (single or not sim.weak):
                    pairs.append((sim, b, a))
        pairs.sort(key=lambda p: (p[0].ranking, -p[1].position, -p[2].position), reverse=True)
        for sim, b, a in pairs:
            cid = before_links[b.position].canonical_id
            if a.position in step.links or cid in claimed:
                continue
            step.links[a.position] = Link(cid, "fuzzy", sim.score, sim.reason)
            claimed.add(cid)
    created: dict[str, str] = {}  # a label printed twice in one list starts one item, not two
    for it in after.items:
        if it.position not in step.links:
            form = labels.key(it.raw_label) or labels.wording(it.raw_label)
            if form in created:
                step.links[it.position] = Link(created[form], "normalised", 100.0, "repeated in the same list")
                continue
            created[form] = registry.new(kind, it.raw_label)
            step.links[it.position] = Link(created[form], "exact", 100.0, "first wording")
    return step


# ---------------------------------------------------------------------------- changes


def _where(it: Item) -> str:
    return f"{it.list_id} item {it.position}, p.{it.page} l.{it.line}"


def _which(x: ListRef) -> str:
    period = f"from {x.applies_from}" + (f" to {x.applies_to}" if x.applies_to else "")
    return f"{x.stance} list {x.list_id} ({period})"


def _changes(kind: str, before: Version, after: Version, step: _Step, before_links: dict[int, Link]) -> list[dict]:
    b_list, a_list = before.primary, after.primary
    out: list[dict] = []
    gap = ""
    if not contiguous(before, after):
        gap = (
            f" The corpus has no {kind} list between {before.evidence_end} and {after.applies_from}:"
            " the change is dated by the first list that shows it."
        )
    consumed_b: set[int] = set()
    consumed_a: set[int] = set()
    for b, parts in step.splits:
        consumed_b.add(b.position)
        consumed_a.update(p.position for p in parts)
        out.append(dict(
            change_type="split", before=[b], after=parts,
            ids=[before_links[b.position].canonical_id] + [step.links[p.position].canonical_id for p in parts],
            evidence=f"'{b.raw_label}' ({_where(b)}) in the {_which(b_list)} is printed as separate items in the "
            f"{_which(a_list)}: " + ", ".join(f"'{p.raw_label}' ({_where(p)})" for p in parts) + "." + gap,
        ))
    for parts, a in step.merges:
        consumed_b.update(p.position for p in parts)
        consumed_a.add(a.position)
        out.append(dict(
            change_type="merged", before=parts, after=[a],
            ids=[before_links[p.position].canonical_id for p in parts] + [step.links[a.position].canonical_id],
            evidence=", ".join(f"'{p.raw_label}' ({_where(p)})" for p in parts) + f" in the {_which(b_list)} "
            f"are one item in the {_which(a_list)}: '{a.raw_label}' ({_where(a)})." + gap,
        ))
    before_by_id: dict[str, Item] = {}
    for b in b_list.items:
        before_by_id.setdefault(before_links[b.position].canonical_id, b)
    after_ids = {step.links[a.position].canonical_id for a in a_list.items}
    seen: set[str] = set()
    for a in a_list.items:
        cid = step.links[a.position].canonical_id
        if a.position in consumed_a or cid in seen:
            continue
        seen.add(cid)
        b = before_by_id.get(cid)
        if b is None:
            out.append(dict(
                change_type="added", before=[], after=[a], ids=[cid],
                evidence=f"'{a.raw_label}' ({_where(a)}) is in the {_which(a_list)} and not in the "
                f"{_which(b_list)}." + gap,
            ))
        elif b.position not in consumed_b and labels.wording(b.raw_label) != labels.wording(a.raw_label):
            link = step.links[a.position]
            how = f"linked by {link.method}" + (f" (score {link.score:g}: {link.reason})" if link.reason else "")
            out.append(dict(
                change_type="renamed", before=[b], after=[a], ids=[cid],
                evidence=f"'{b.raw_label}' ({_where(b)}, {_which(b_list)}) is worded '{a.raw_label}' "
                f"({_where(a)}, {_which(a_list)}); {how}." + gap,
            ))
    for b in b_list.items:
        cid = before_links[b.position].canonical_id
        if b.position in consumed_b or cid in after_ids or cid in seen:
            continue
        seen.add(cid)
        out.append(dict(
            change_type="removed", before=[b], after=[], ids=[cid],
            evidence=f"'{b.raw_label}' ({_where(b)}) is in the {_which(b_list)} and not in the "
            f"{_which(a_list)}." + gap,
        ))
    return out


# ---------------------------------------------------------------------------- timeline


@dataclass
class _Open:
    label: str
    wording: str
    basis: str
    doc_id: str
    valid_from: dt.date
    last: int


def _final_end(last: Version, latest_observation: dt.date | None) -> dt.date | None:
    """NULL (None) while the last list is in force at the body's latest paper; else its stated end."""
    end = last.primary.applies_to
    if end is None or latest_observation is None or end >= latest_observation:
        return None
    return end


def _timeline(
    kind: str, chain: list[Version], links: dict[tuple[str, int], Link], latest_observation: dt.date | None = None
) -> list[TimelineRow]:
    rows: list[TimelineRow] = []
    open_rows: dict[str, _Open] = {}

    def close(cid: str, valid_to: dt.date | None) -> None:
        row = open_rows.pop(cid)
        rows.append(TimelineRow(cid, kind, row.label, row.valid_from, valid_to, row.basis, row.doc_id))

    for i, v in enumerate(chain):
        present: dict[str, Item] = {}
        for it in v.primary.items:
            present.setdefault(links[(it.list_id, it.position)].canonical_id, it)
        for cid in [c for c in open_rows if c not in present]:
            close(cid, end_before(chain[open_rows[cid].last], v))
        for cid, it in present.items():
            row = open_rows.get(cid)
            same = (
                row is not None
                and row.last == i - 1
                and contiguous(chain[i - 1], v)
                and row.wording == labels.wording(it.raw_label)
                and row.basis == v.primary.stance
            )
            if same:
                row.last = i  # type: ignore[union-attr]
                continue
            if row is not None:
                close(cid, end_before(chain[row.last], v))
            open_rows[cid] = _Open(
                it.raw_label, labels.wording(it.raw_label), v.primary.stance, v.primary.doc_id, v.applies_from, i
            )
    for cid in list(open_rows):
        close(cid, _final_end(chain[open_rows[cid].last], latest_observation))
    return rows


# ---------------------------------------------------------------------------- other lists


def link_to_priorities(label: str, registry: Registry, own: Sequence[tuple[str, Link]] = ()) -> Link | None:
    """Link a label printed outside a priorities list (a district issue, a leads row) to a priority.

    `own` holds (label, link) of the same document's priority items, tried first and with the
    contextual score; then the whole registry by its forms; then the same substance (verbs of
    action aside: 'Extremism & Hate' is 'Preventing Extremism and Hate'); then, for a label
    naming several issues ('ASB/Environmental'), the one part that is a priority.
    """
    found = registry.lookup("priority", label)
    if found:
        return found
    for other, link in own:
        method = labels.equal_forms(label, other)
        if method:
            return Link(link.canonical_id, method, 100.0)
    for other, link in own:
        sim = labels.similarity(label, other)
        if sim.linkable and sim.contained:
            return Link(link.canonical_id, "fuzzy", sim.score, sim.reason)
    wordings = [(lbl, cid) for cid, (_, lbl) in registry.latest.items() if registry.kind.get(cid) == "priority"]
    for other, cid in wordings:
        if labels.same_substance(label, other):
            return Link(cid, "fuzzy", labels.similarity(label, other).score, "the same substantive words")
    hits = []
    for grouping in labels.groupings(label):
        for part in grouping:
            hit = registry.lookup("priority", part)
            if hit and hit.method != "curated":
                hits.append(Link(hit.canonical_id, hit.method, labels.similarity(part, label).score,
                                 f"the part '{part}' is a priority"))
    distinct = {h.canonical_id for h in hits}
    return hits[0] if len(distinct) == 1 else None


# ---------------------------------------------------------------------------- all together


def normalise(
    lists: Sequence[ListRef],
    district_lists: Sequence[ListRef] = (),
    leads: Sequence[tuple[str, int, str, str]] = (),
    stated: Sequence[StatedChange] = (),
    curated: Iterable[Curated] = (),
) -> Normalised:
    """Link every priority/theme item, then district issues and leads; build changes and timeline.

    Each body (council) has its own registry, versions, changes and timeline: one council's papers
    never change another's history. `lists`: priority and cross-cutting-theme lists (roles in KINDS).
    `leads`: (doc_id, index, raw priority, body). The output does not depend on input order.
    """
    curated = list(curated)
    registries: dict[str, Registry] = {}

    def registry_of(body: str) -> Registry:
        if body not in registries:
            registries[body] = Registry(curated, body)
        return registries[body]

    links: dict[tuple[str, int], Link] = {}
    by_list: dict[str, dict[int, Link]] = {}  # list_id -> position -> link, for the version steps
    timeline: list[TimelineRow] = []
    observed: list[tuple[str, str, Version, dict]] = []
    chains: dict[tuple[str, str], list[Version]] = {}
    by_group: dict[tuple[str, str], list[ListRef]] = defaultdict(list)
    latest_seen: dict[str, dt.date] = {}
    for x in sorted(lists, key=lambda x: x.list_id):
        if x.role in KINDS:
            by_group[(x.body, x.role)].append(x)
        for day in (x.observed_on, x.applies_from):
            if day and (x.body not in latest_seen or day > latest_seen[x.body]):
                latest_seen[x.body] = day
    for (body, role), group in sorted(by_group.items()):
        kind = KINDS[role]
        registry = registry_of(body)
        chain, undated = versions(group)

        def own_links(x: ListRef) -> dict[int, Link]:
            return by_list.get(x.list_id, {})

        def record(x: ListRef, step: _Step, kind: str = kind, registry: Registry = registry) -> None:
            when = (x.applies_from or x.observed_on or dt.date.min, x.observed_on or dt.date.min)
            for it in x.items:
                link = step.links[it.position]
                links[(x.list_id, it.position)] = link
                by_list.setdefault(x.list_id, {})[it.position] = link
                registry.attach(kind, link.canonical_id, it.raw_label, when)

        previous: Version | None = None
        for v in chain:
            before = previous.primary if previous else None
            step = _link_list(kind, v.primary, before, own_links(before) if before else {}, registry, True)
            record(v.primary, step)
            if previous is not None:
                for change in _changes(kind, previous, v, step, own_links(previous.primary)):
                    observed.append((body, kind, v, change))
            for other in v.others:
                record(other, _link_list(kind, other, v.primary, own_links(v.primary), registry, False))
            previous = v
        for x in undated:
            reference = chain[-1].primary if chain else None
            record(x, _link_list(kind, x, reference, own_links(reference) if reference else {}, registry, False))
        timeline.extend(_timeline(kind, chain, links, latest_seen.get(body)))
        chains[(body, kind)] = chain

    by_doc: dict[str, list[tuple[str, Link]]] = defaultdict(list)
    for x in lists:
        if x.role == "priorities":
            by_doc[x.doc_id].extend((it.raw_label, links[(x.list_id, it.position)]) for it in x.items)
    for x in district_lists:
        for it in x.items:
            found = link_to_priorities(it.raw_label, registry_of(x.body))
            if found:
                links[(x.list_id, it.position)] = found
    lead_links: dict[tuple[str, int], Link] = {}
    for doc_id, index, raw, body in leads:
        found = link_to_priorities(raw, registry_of(body), by_doc.get(doc_id, ()))
        if found:
            lead_links[(doc_id, index)] = found

    changes = _number_changes(observed, stated, registry_of)
    items = sorted(
        {
            cid: CanonicalItem(cid, r.kind[cid], r.latest[cid][1])
            for r in registries.values()
            for cid in r.latest
        }.values(),
        key=lambda c: c.canonical_id,
    )
    timeline.sort(key=lambda r: (r.kind, r.canonical_id, r.valid_from, r.doc_id))
    return Normalised(items, links, lead_links, timeline, changes, chains)


def _number_changes(observed: list, stated: Sequence[StatedChange], registry_of) -> list[Change]:
    out: list[Change] = []
    counter: dict[str, int] = defaultdict(int)
    for body, kind, v, c in observed:
        body_slug = slug(body)
        prefix = "obs-" + (f"{body_slug}-" if body_slug else "") + f"{kind}-{v.applies_from}"
        counter[prefix] += 1
        out.append(Change(
            f"{prefix}-{counter[prefix]:02d}", kind, c["change_type"], v.applies_from,
            tuple(b.raw_label for b in c["before"]), tuple(a.raw_label for a in c["after"]),
            tuple(dict.fromkeys(c["ids"])), "observed", v.primary.doc_id, c["evidence"], body,
        ))
    for s in sorted(stated, key=lambda s: (s.doc_id, s.order)):
        registry = registry_of(s.body)
        prefix = f"stated-{s.doc_id}"
        counter[prefix] += 1
        ids = []
        for label in (*s.before_labels, *s.after_labels):
            found = registry.lookup(s.kind, label)
            if found is None:
                found = next(
                    (Link(cid, "fuzzy", 0.0) for cid, (_, lbl) in sorted(registry.latest.items())
                     if registry.kind.get(cid) == s.kind and labels.same_substance(label, lbl)),
                    None,
                )
            if found:
                ids.append(found.canonical_id)
        out.append(Change(
            f"{prefix}-{counter[prefix]:02d}", s.kind, s.change_type, s.effective_date, s.before_labels,
            s.after_labels, tuple(dict.fromkeys(ids)), "stated", s.doc_id, s.evidence, s.body,
        ))
    return out


# ---------------------------------------------------------------------------- from extracted documents

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


def observed_on(doc) -> dt.date | None:
    """The date a document shows its lists (extractors.metadata.document_date)."""
    from extractors.metadata import document_date

    return document_date(doc.metadata, doc.dates)


def bodies(docs) -> dict[str, str]:
    """doc_id -> body. Where the corpus names a single body, papers that name none are taken to be about it."""
    named = {d.metadata.body for d in docs if getattr(d.metadata, "body", None)}
    default = next(iter(named)) if len(named) == 1 else ""
    return {d.doc_id: getattr(d.metadata, "body", None) or default for d in docs}


def list_refs(docs, roles: Iterable[str]) -> list[ListRef]:
    wanted = set(roles)
    body_of = bodies(docs)
    out = []
    for d in docs:
        seen = observed_on(d)
        for i, x in enumerate(d.lists):
            if x.role not in wanted:
                continue
            lid = d.list_id(i)
            items = tuple(Item(lid, it.position, it.raw_label, it.page, it.line) for it in x.items)
            out.append(ListRef(lid, d.doc_id, x.role, x.stance, x.applies_from, x.applies_to, seen, items,
                               body_of[d.doc_id]))
    return out


def stated_changes(docs) -> list[StatedChange]:
    """The documents' narrated history as change records. A year alone is dated 1 January of it."""
    body_of = bodies(docs)
    out = []
    for d in docs:
        for order, c in enumerate(d.narrated):
            lines = f"l.{c.line_start}" + (f"-{c.line_end}" if c.line_end != c.line_start else "")
            evidence = f"{d.metadata.title or d.doc_id}, p.{c.page} {lines} (year {c.year} only): \"{c.text}\""
            out.append(StatedChange(d.doc_id, c.kind, c.change_type, dt.date(c.year, 1, 1), c.before_labels,
                                    c.after_labels, evidence, body_of[d.doc_id], order))
    return out


def normalise_documents(docs, curated: Iterable[Curated] = ()) -> Normalised:
    """`normalise` over extracted documents (extractors.pipeline.ExtractedDocument)."""
    body_of = bodies(docs)
    leads = [(d.doc_id, i, lead.raw_priority, body_of[d.doc_id]) for d in docs for i, lead in enumerate(d.leads)]
    return normalise(
        list_refs(docs, KINDS),
        district_lists=list_refs(docs, ["district_assessment"]),
        leads=leads,
        stated=stated_changes(docs),
        curated=curated,
    )
