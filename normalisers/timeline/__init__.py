"""Canonical priorities and themes, the changes between lists, and the timeline. Pure: lists in,
records out. The steps, for each kind (priority, theme) and each body, one module each:

1. `versions`: lists grouped by the date they apply from; restatements; the rules of time.
2. `linking`: each list item linked to a canonical item (`registry`), in layers.
3. `states`: what is in force from each version, proposals applied only where adopted.
4. `intervals`: the timeline rows (printed, carried_forward, proposed_only) and the gaps.
5. `changes`: observed, proposed and stated changes with their windows, stated linked to observed.

`documents` reads these inputs off extracted documents.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from normalisers.timeline import changes as _changes
from normalisers.timeline.documents import bodies, list_refs, observed_on, restated_lists, stated_changes
from normalisers.timeline.intervals import Gap, printers, rows_and_gaps
from normalisers.timeline.linking import Step, link_list, link_to_priorities
from normalisers.timeline.records import (
    BASES,
    KINDS,
    METHOD_RANK,
    ONE_DAY,
    ROLE_OF,
    CanonicalItem,
    Change,
    Curated,
    Item,
    Link,
    ListRef,
    Normalised,
    TimelineRow,
)
from normalisers.timeline.registry import CURATED_FILE, Registry, load_curated, slug
from normalisers.timeline.states import Proposal, State, evolve
from normalisers.timeline.versions import Version, bridged, gap_days, restate, restated_years, versions

__all__ = [
    "BASES", "CURATED_FILE", "KINDS", "METHOD_RANK", "ONE_DAY", "ROLE_OF", "CanonicalItem", "Change", "Curated",
    "Gap", "Item", "Link", "ListRef", "Normalised", "Proposal", "Registry", "State", "TimelineRow", "Version",
    "bodies", "bridged", "by_body", "link_to_priorities", "list_refs", "load_curated", "merge", "normalise",
    "normalise_body", "normalise_documents", "observed_on", "slug", "stated_changes", "versions",
]


def normalise(
    lists: Sequence[ListRef],
    district_lists: Sequence[ListRef] = (),
    leads: Sequence[tuple[str, int, str, str]] = (),
    stated: Sequence[Change] = (),
    curated: Iterable[Curated] = (),
    restated: Mapping[str, str] | None = None,
    restated_years: int = 1,
) -> Normalised:
    """Link every priority/theme item, then district issues and leads; build states, timeline and changes.

    Each body (council) has its own registry, versions, changes and timeline: one council's papers
    never change another's history. `lists`: priority and cross-cutting-theme lists (roles in KINDS).
    `leads`: (doc_id, index, raw priority, body). `stated`: narrated changes (basis 'stated').
    `restated`: list_id -> the statement that the list is unchanged since the last review. The output
    does not depend on input order.
    """
    curated = list(curated)
    registries: dict[str, Registry] = {}

    def registry_of(body: str) -> Registry:
        if body not in registries:
            registries[body] = Registry(curated, body)
        return registries[body]

    links: dict[tuple[str, int], Link] = {}
    by_list: dict[str, dict[int, Link]] = {}  # list_id -> position -> link, for the version steps
    chains: dict[tuple[str, str], list[Version]] = {}
    by_group: dict[tuple[str, str], list[ListRef]] = defaultdict(list)
    for x in sorted(lists, key=lambda x: x.list_id):
        if x.role in KINDS:
            by_group[(x.body, x.role)].append(x)
    for (body, role), group in sorted(by_group.items()):
        kind = KINDS[role]
        registry = registry_of(body)
        chain, undated = versions(group)

        def own_links(x: ListRef) -> dict[int, Link]:
            return by_list.get(x.list_id, {})

        def record(x: ListRef, step: Step, kind: str = kind, registry: Registry = registry) -> None:
            when = (x.applies_from or x.observed_on or dt.date.min, x.observed_on or dt.date.min)
            for it in x.items:
                link = step.links[it.position]
                links[(x.list_id, it.position)] = link
                by_list.setdefault(x.list_id, {})[it.position] = link
                registry.attach(kind, link.canonical_id, it.raw_label, when)

        previous: Version | None = None
        for v in chain:
            before = previous.primary if previous else None
            record(v.primary, link_list(kind, v.primary, before, own_links(before) if before else {}, registry, True))
            for other in v.others:
                record(other, link_list(kind, other, v.primary, own_links(v.primary), registry, False))
            previous = v
        for x in undated:
            reference = chain[-1].primary if chain else None
            record(x, link_list(kind, x, reference, own_links(reference) if reference else {}, registry, False))
        restate(chain, restated or {}, restated_years)
        chains[(body, kind)] = chain

    stated_linked = _changes.stated_ids(sorted(stated, key=lambda s: s.doc_id), registry_of)
    by_id = {x.list_id: x for x in lists}
    list_doc = {x.list_id: x.doc_id for x in lists}
    printed_by = printers(lists, links)
    timeline: list[TimelineRow] = []
    gaps: list[Gap] = []
    found: list[Change] = []
    proposals: list[Proposal] = []
    states_of: dict[tuple[str, str], list[State]] = {}
    for (body, kind), chain in chains.items():
        mine = [s for s in stated_linked if s.body == body and s.kind == kind]
        states = evolve(chain, links, mine, gap_days())
        states_of[(body, kind)] = states
        rows, body_gaps = rows_and_gaps(kind, body, states, list_doc, printed_by)
        timeline += rows
        gaps += body_gaps
        found += _changes.for_chain(kind, body, states, by_id, links)
        for st in states:
            p = st.version.primary
            proposals += [Proposal(body, kind, p.list_id, p.doc_id, p.applies_from, element, ok, why)
                          for element, ok, why in st.elements]

    by_doc: dict[str, list[tuple[str, Link]]] = defaultdict(list)
    for x in lists:
        if x.role == "priorities":
            by_doc[x.doc_id].extend((it.raw_label, links[(x.list_id, it.position)]) for it in x.items)
    for x in district_lists:
        for it in x.items:
            hit = link_to_priorities(it.raw_label, registry_of(x.body))
            if hit:
                links[(x.list_id, it.position)] = hit
    lead_links: dict[tuple[str, int], Link] = {}
    for doc_id, index, raw, body in leads:
        hit = link_to_priorities(raw, registry_of(body), by_doc.get(doc_id, ()))
        if hit:
            lead_links[(doc_id, index)] = hit

    numbered = _changes.link_stated(_changes.number([*found, *stated_linked]))
    items = sorted(
        {
            cid: CanonicalItem(cid, r.kind[cid], r.latest[cid][1], body)
            for body, r in registries.items()
            for cid in r.latest
        }.values(),
        key=lambda c: c.canonical_id,
    )
    timeline.sort(key=lambda r: (r.kind, r.canonical_id, r.valid_from, r.basis, r.evidence_doc))
    gaps.sort(key=lambda g: (g.body, g.kind, g.gap_from))
    return Normalised(items, links, lead_links, timeline, numbered, states_of, proposals, gaps)


def normalise_documents(docs, curated: Iterable[Curated] = ()) -> Normalised:
    """`normalise` over extracted documents (extractors.pipeline.ExtractedDocument), one body at a
    time (`by_body`, `normalise_body`, `merge`: bodies are independent, so a run that adds one
    paper can reuse every other body's result)."""
    curated = list(curated)
    return merge([normalise_body(group, curated, body) for body, group in by_body(docs).items()])


def by_body(docs) -> dict[str, list]:
    """body -> its documents, in the order given; bodies sorted. Which body a paper that names none
    belongs to is decided over the whole corpus (`bodies`), so group the whole corpus here."""
    body_of = bodies(docs)
    groups: dict[str, list] = defaultdict(list)
    for d in docs:
        groups[body_of[d.doc_id]].append(d)
    return dict(sorted(groups.items()))


def normalise_body(docs, curated: Iterable[Curated], body: str) -> Normalised:
    """`normalise` over one body's documents (a group of `by_body`)."""
    body_of = {d.doc_id: body for d in docs}
    leads = [(d.doc_id, i, lead.raw_priority, body) for d in docs for i, lead in enumerate(d.leads)]
    return normalise(
        list_refs(docs, KINDS, body_of),
        district_lists=list_refs(docs, ["district_assessment"], body_of),
        leads=leads,
        stated=stated_changes(docs, body_of),
        curated=curated,
        restated=restated_lists(docs),
        restated_years=restated_years(),
    )


def merge(parts: Sequence[Normalised]) -> Normalised:
    """Bodies' normalisations (in body order) as the one `normalise` gives over all their lists:
    canonical items by id, the timeline and gaps in their order, observed and proposed changes body
    by body, then the stated ones by document (ids are per body and per document, so they hold)."""
    items = {c.canonical_id: c for part in parts for c in part.canonical_items}
    timeline = [row for part in parts for row in part.timeline]
    timeline.sort(key=lambda r: (r.kind, r.canonical_id, r.valid_from, r.basis, r.evidence_doc))
    gaps = [g for part in parts for g in part.gaps]
    gaps.sort(key=lambda g: (g.body, g.kind, g.gap_from))
    found = [c for part in parts for c in part.changes if c.basis != "stated"]
    stated = sorted((c for part in parts for c in part.changes if c.basis == "stated"), key=lambda c: c.doc_id)
    return Normalised(
        sorted(items.values(), key=lambda c: c.canonical_id),
        {k: v for part in parts for k, v in part.links.items()},
        {k: v for part in parts for k, v in part.lead_links.items()},
        timeline,
        found + stated,
        {k: v for part in parts for k, v in part.versions.items()},
        [p for part in parts for p in part.proposals],
        gaps,
    )
