"""Changes: between consecutive states of a body's lists (`observed`), proposed and never adopted
(`proposed`), and narrated by the papers (`stated`), each with the window it must lie in.

Between two states: `split` (an earlier label whose parts are each a later item), `merged` (the
reverse), `renamed` (same canonical item, other wording), `added`, `removed`. A stated change is
linked to the observed change of the same transition (same item, a compatible type, windows that
overlap), and its window narrows to where both agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from normalisers import labels
from normalisers.timeline.linking import component_match
from normalisers.timeline.records import ONE_DAY, Change, Item, Link, ListRef
from normalisers.timeline.registry import Registry, slug
from normalisers.timeline.states import State
from normalisers.timeline.versions import bridged


def _where(it: Item) -> str:
    return f"{it.list_id} item {it.position}, p.{it.page} l.{it.line}"


def _which(x: ListRef) -> str:
    period = f"from {x.applies_from}" + (f" to {x.applies_to}" if x.applies_to else "")
    return f"{x.stance} list {x.list_id} ({period})"


def structure(before: Mapping[str, Item], after: Mapping[str, Item]) -> tuple[list, list]:
    """Splits (an earlier item whose label's parts are each a later item) and merges (the reverse)
    between two states, given as canonical id -> item."""
    splits, merges = [], []
    after_items, before_items = list(after.values()), list(before.values())
    for cid, b in before.items():
        parts = component_match(b.raw_label, after_items)
        if not parts or len({p.position for p in parts}) < 2:
            continue
        ids = [next(k for k, v in after.items() if v is p) for p in parts]
        if cid not in ids or any(i != cid and i in before for i in ids):
            continue  # the parts were separate items already: 'A & B' dropped, not split
        splits.append((cid, b, list(zip(ids, parts, strict=True))))
    for cid, a in after.items():
        parts = component_match(a.raw_label, before_items)
        if not parts or len(parts) < 2:
            continue
        ids = [next(k for k, v in before.items() if v is p) for p in parts]
        if cid not in ids or any(i != cid and i in after for i in ids):
            continue
        merges.append((cid, a, list(zip(ids, parts, strict=True))))
    return splits, merges


def observed(kind: str, body: str, before: State, after: State, lists: Mapping[str, ListRef],
             links: Mapping[tuple[str, int], Link]) -> list[Change]:
    """What changed between two consecutive states, dated by the later one, with its window."""
    a_list = after.version.primary
    start = after.start
    earliest = min(before.version.evidence_end + ONE_DAY, start)
    note = ""
    if not bridged(before.version, after.version):
        note = (f" The corpus has no {kind} list between {before.version.evidence_end} and {start}:"
                " the change is dated by the first list that shows it.")
    if a_list.stance == "proposed":
        note += f" The {_which(a_list)} was adopted: " + "; ".join(
            why for _, ok, why in after.elements if ok) + "." if any(ok for _, ok, _ in after.elements) else ""
    if after.version.restated_by:
        note += f" It is printed as unchanged since {after.start}: \"{after.version.restated_by}\"."

    def which(it: Item) -> str:
        return _which(lists[it.list_id])

    def make(change_type: str, b: Sequence[Item], a: Sequence[Item], ids: Sequence[str], text: str) -> Change:
        return Change(kind, change_type, start, earliest, start, tuple(x.raw_label for x in b),
                      tuple(x.raw_label for x in a), "observed", a_list.doc_id, text + note, body,
                      tuple(dict.fromkeys(ids)))

    out: list[Change] = []
    splits, merges = structure(before.items, after.items)
    done_b: set[str] = set()
    done_a: set[str] = set()
    for cid, b, parts in splits:
        done_b.add(cid)
        done_a.update(i for i, _ in parts)
        out.append(make("split", [b], [p for _, p in parts], [cid] + [i for i, _ in parts],
                        f"'{b.raw_label}' ({_where(b)}) in the {which(b)} is printed as separate items in the "
                        f"{_which(a_list)}: " + ", ".join(f"'{p.raw_label}' ({_where(p)})" for _, p in parts) + "."))
    for cid, a, parts in merges:
        done_a.add(cid)
        done_b.update(i for i, _ in parts)
        out.append(make("merged", [p for _, p in parts], [a], [i for i, _ in parts] + [cid],
                        ", ".join(f"'{p.raw_label}' ({_where(p)})" for _, p in parts)
                        + f" in the {which(parts[0][1])} are one item in the {_which(a_list)}: "
                        f"'{a.raw_label}' ({_where(a)})."))
    for cid, a in after.items.items():
        if cid in done_a:
            continue
        b = before.items.get(cid)
        if b is None:
            out.append(make("added", [], [a], [cid],
                            f"'{a.raw_label}' ({_where(a)}) is in the {which(a)} and not in the "
                            f"{_which(before.version.primary)}."))
        elif cid not in done_b and labels.wording(b.raw_label) != labels.wording(a.raw_label):
            out.append(make("renamed", [b], [a], [cid],
                            f"'{b.raw_label}' ({_where(b)}, {which(b)}) is worded '{a.raw_label}' "
                            f"({_where(a)}, {which(a)}); {_how(links.get((a.list_id, a.position)))}."))
    for cid, b in before.items.items():
        if cid in done_b or cid in after.items:
            continue
        out.append(make("removed", [b], [], [cid],
                        f"'{b.raw_label}' ({_where(b)}) is in the {which(b)} and not in the {_which(a_list)}."))
    return out


def _how(link: Link | None) -> str:
    if link is None:
        return "the same item"
    return f"linked by {link.method}" + (f" (score {link.score:g}: {link.reason})" if link.reason else "")


def proposed(kind: str, body: str, before: State | None, after: State) -> list[Change]:
    """The changes a proposal made that were never shown adopted."""
    out = []
    start = after.start
    earliest = min(before.version.evidence_end + ONE_DAY, start) if before else None
    for element, adopted, why in after.elements:
        if adopted:
            continue
        b, a = element.before, element.after
        shown = {"added": f"'{a.raw_label}' ({_where(a)}) is added" if a else "",
                 "renamed": f"'{b.raw_label}' ({_where(b)}) is worded '{a.raw_label}' ({_where(a)})" if a and b else "",
                 "removed": f"'{b.raw_label}' ({_where(b)}) is dropped" if b else ""}[element.change_type]
        out.append(Change(
            kind, element.change_type, start, earliest, start, (b.raw_label,) if b else (), (a.raw_label,) if a else (),
            "proposed", after.version.primary.doc_id,
            f"{shown} in the {_which(after.version.primary)}; not shown adopted: {why}.", body,
            (element.canonical_id,),
        ))
    return out


def stated_ids(stated: Sequence[Change], registry_of: Callable[[str], Registry]) -> list[Change]:
    """Stated changes with the canonical items their labels name."""
    out = []
    for s in stated:
        registry = registry_of(s.body)
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
        out.append(replace(s, canonical_ids=tuple(dict.fromkeys(ids))))
    return out


_COMPATIBLE = {"added": {"added", "split"}, "removed": {"removed", "merged"}, "renamed": {"renamed", "split", "merged"},
               "split": {"split", "added", "renamed"}, "merged": {"merged", "removed", "renamed"}}


def _overlap(a: Change, b: Change) -> tuple[dt.date, dt.date] | None:
    if None in (a.earliest, a.latest, b.earliest, b.latest):
        return None
    start, end = max(a.earliest, b.earliest), min(a.latest, b.latest)  # type: ignore[type-var]
    return (start, end) if start <= end else None


def _names(stated: Change, observed: Change) -> int:
    """How many of the labels a stated change introduces (or drops) the observed change names too."""
    new = [a for a in stated.after_labels if not any(labels.equal_forms(a, b) for b in stated.before_labels)]
    gone = [b for b in stated.before_labels if not any(labels.equal_forms(a, b) for a in stated.after_labels)]
    return sum(any(labels.equal_forms(x, y) or labels.same_substance(x, y) for y in observed.after_labels)
               for x in new) + sum(any(labels.equal_forms(x, y) or labels.same_substance(x, y)
                                       for y in observed.before_labels) for x in gone)


def number(changes: Sequence[Change]) -> list[Change]:
    """Ids: 'obs-<body>-<kind>-<date>-NN', 'prop-<body>-<kind>-<date>-NN', 'stated-<doc_id>-NN'."""
    out = []
    counter: dict[str, int] = defaultdict(int)
    for c in changes:
        body = slug(c.body)
        if c.basis == "stated":
            prefix = f"stated-{c.doc_id}"
        else:
            prefix = ("obs-" if c.basis == "observed" else "prop-") + (f"{body}-" if body else "") + \
                f"{c.kind}-{c.effective_date}"
        counter[prefix] += 1
        out.append(replace(c, change_id=f"{prefix}-{counter[prefix]:02d}"))
    return out


def link_stated(changes: list[Change]) -> list[Change]:
    """Each stated change linked to the observed change of the same transition; both record the link,
    and the stated change's window narrows to the overlap."""
    by_id = {c.change_id: c for c in changes}
    taken: set[str] = set()
    for s in [c for c in changes if c.basis == "stated"]:
        candidates = []
        for o in changes:
            if o.basis != "observed" or o.body != s.body or o.kind != s.kind or o.change_id in taken:
                continue
            if o.change_type not in _COMPATIBLE.get(s.change_type, {s.change_type}):
                continue
            if not set(o.canonical_ids) & set(s.canonical_ids):
                continue
            window = _overlap(o, s)
            if window:
                named = -_names(s, o)
                candidates.append((named, -len(set(o.canonical_ids) & set(s.canonical_ids)), o.change_id, o, window))
        if not candidates:
            continue
        *_, o, (start, end) = min(candidates)
        taken.add(o.change_id)
        by_id[s.change_id] = replace(by_id[s.change_id], earliest=start, latest=end, linked_change_id=o.change_id)
        by_id[o.change_id] = replace(by_id[o.change_id], linked_change_id=s.change_id)
    return [by_id[c.change_id] for c in changes]


def for_chain(kind: str, body: str, states: list[State], lists: Mapping[str, ListRef],
              links: Mapping[tuple[str, int], Link]) -> list[Change]:
    """Observed and proposed changes along one body's states."""
    out: list[Change] = []
    for i, st in enumerate(states):
        before = states[i - 1] if i else None
        if before is not None:
            out += observed(kind, body, before, st, lists, links)
        out += proposed(kind, body, before, st)
    return out


def stated_window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)

