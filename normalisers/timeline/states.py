"""What is in force from each version: the lists' items, with proposals applied only where adopted.

A current or historic version is in force as printed. A proposal changes what was in force before
it (an item added, reworded or dropped: its *elements*), and each element is in force only if it
was adopted:
- a later list from another paper, inside the gap rule (versions.bridged), carries it out (the item
  is there; the old wording is gone; the dropped item stays dropped), or
- a paper narrates the same change as done (a stated change naming that item).
An element not adopted is `proposed_only`: shown by the proposal, never in force; what was in force
before stays. A proposal that changes nothing restates the lists in force. The items of a proposal
that repeat what is in force count as printed by it: a paper of that period prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from normalisers import labels
from normalisers.timeline.records import Change, Item, Link
from normalisers.timeline.versions import Version, next_from_another_paper


@dataclass(frozen=True)
class Element:
    """One change a proposal makes to what is in force."""

    canonical_id: str
    change_type: str  # added | renamed | removed
    before: Item | None
    after: Item | None


@dataclass
class State:
    """What is in force from `version.start` until the next state."""

    version: Version
    items: dict[str, Item]  # canonical id -> the item whose wording is in force (printed now, or carried)
    printed: set[str]  # the canonical ids this version's papers print in that wording
    proposed_only: dict[str, Item] = field(default_factory=dict)  # not adopted: the proposal's item
    elements: list[tuple[Element, bool, str]] = field(default_factory=list)  # (element, adopted, why)

    @property
    def start(self):
        return self.version.start


@dataclass(frozen=True)
class Proposal:
    """A proposed list and what became of each change it proposed (the proposals view)."""

    body: str
    kind: str
    list_id: str
    doc_id: str
    applies_from: object
    element: Element
    adopted: bool
    evidence: str


def _present(items: Sequence[Item], links: dict[tuple[str, int], Link]) -> dict[str, Item]:
    out: dict[str, Item] = {}
    for it in items:
        out.setdefault(links[(it.list_id, it.position)].canonical_id, it)
    return out


def _elements(before: dict[str, Item], after: dict[str, Item]) -> list[Element]:
    out = []
    for cid, a in after.items():
        b = before.get(cid)
        if b is None:
            out.append(Element(cid, "added", None, a))
        elif labels.wording(b.raw_label) != labels.wording(a.raw_label):
            out.append(Element(cid, "renamed", b, a))
    out += [Element(cid, "removed", b, None) for cid, b in before.items() if cid not in after]
    return out


def _same(a: str, b: str) -> bool:
    return bool(labels.equal_forms(a, b) or labels.same_substance(a, b))


_STATED_TYPES = {"added": {"added", "split"}, "renamed": {"renamed", "merged", "split"}, "removed": {"removed"}}


def _judge(element: Element, later: Version | None, links, stated: Sequence[Change], gap: int) -> tuple[bool, str]:
    """Adopted or not, and why: the next list from another paper inside the gap rule decides; with
    none, a paper that narrates the change as done."""
    if later is not None:
        return _by_later_list(element, later, links)
    shown_item = element.after or element.before
    for s in stated:
        named = s.after_labels if element.after is not None else s.before_labels
        if (element.canonical_id in s.canonical_ids and s.change_type in _STATED_TYPES[element.change_type]
                and any(_same(shown_item.raw_label, label) for label in named)):  # type: ignore[union-attr]
            return True, f"stated as done: {s.evidence}"
    return False, (f"no later list from another paper starts within {gap} days of the proposal's last day, "
                   "so the corpus does not show it adopted")


def _by_later_list(element: Element, later: Version, links) -> tuple[bool, str]:
    shown = _present(later.primary.items, links)
    where = f"the {later.primary.stance} list {later.primary.list_id} (from {later.start})"
    now = shown.get(element.canonical_id)
    if element.change_type == "added":
        return now is not None, f"{where} has '{now.raw_label}'" if now else f"{where} does not have it"
    if element.change_type == "removed":
        return now is None, f"{where} does not have it" if now is None else f"{where} still has '{now.raw_label}'"
    old = labels.wording(element.before.raw_label)  # type: ignore[union-attr]
    if now is None:
        return False, f"{where} has neither wording"
    if labels.wording(now.raw_label) == old:
        return False, f"{where} still has '{now.raw_label}'"
    return True, f"{where} has '{now.raw_label}'"


def evolve(chain: list[Version], links: dict[tuple[str, int], Link], stated: Sequence[Change],
           gap: int) -> list[State]:
    """The state in force from each version of one body's chain (one kind)."""
    states: list[State] = []
    for i, v in enumerate(chain):
        present = _present(v.primary.items, links)
        if v.primary.stance != "proposed":
            states.append(State(v, dict(present), set(present)))
            continue
        before = dict(states[-1].items) if states else {}
        later = next_from_another_paper(chain, i)
        items = dict(before)
        state = State(v, items, set())
        for element in _elements(before, present):
            adopted, why = _judge(element, later, links, stated, gap)
            state.elements.append((element, adopted, why))
            if not adopted:
                if element.after is not None:
                    state.proposed_only[element.canonical_id] = element.after
                continue
            if element.after is None:
                items.pop(element.canonical_id, None)
            else:
                items[element.canonical_id] = element.after
        for cid, it in present.items():
            if cid in items and labels.wording(items[cid].raw_label) == labels.wording(it.raw_label):
                items[cid] = it
                state.printed.add(cid)
        states.append(state)
    return states
