"""Linking list items to canonical items, in layers: a curated override; the same label (`exact`);
the same key after normalisation (`normalised`); the same key with abbreviations spelt out
(`abbreviation`); else, only between the leftovers of one version and the version before it, a
one-to-one `fuzzy` link that labels.similarity accepts (containment or the same head, never one
shared word), or the parts of a combined label (a split or a merge). An item still unlinked starts
a new canonical item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from normalisers import labels
from normalisers.timeline.records import Item, Link, ListRef
from normalisers.timeline.registry import Registry


@dataclass
class Step:
    links: dict[int, Link]
    splits: list[tuple[Item, list[Item]]] = field(default_factory=list)
    merges: list[tuple[list[Item], Item]] = field(default_factory=list)


def component_match(label: str, candidates: Sequence[Item]) -> list[Item] | None:
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


def link_list(
    kind: str,
    after: ListRef,
    before: ListRef | None,
    before_links: dict[int, Link],
    registry: Registry,
    structural: bool,
) -> Step:
    step = Step({})
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
            parts = component_match(b.raw_label, after.items)
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
            parts = component_match(a.raw_label, free)
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
