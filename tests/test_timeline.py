"""Canonical links, changes and the timeline: on the seeds (checked by hand against the papers)
and on small hand-built lists for each change type and interval rule."""

import datetime as dt
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from extractors.pipeline import extract_document
from normalisers import timeline as tl

D = dt.date


@pytest.fixture(scope="module")
def seeds(parsed):
    docs = [parsed(name) for name in SEEDS]
    return docs, tl.normalise_documents(docs, tl.load_curated())


def _canonical(n, label, kind="priority"):
    """The canonical id of the (first) list item printed with this label."""
    for (lid, pos), link in sorted(n.links.items()):
        if _label_of[(lid, pos)] == label and link.canonical_id.startswith(kind):
            return link.canonical_id
    raise AssertionError(f"no {kind} item labelled {label!r}")


_label_of: dict = {}


@pytest.fixture(scope="module")
def n(seeds):
    docs, normalised = seeds
    _label_of.clear()
    _label_of.update({(d.list_id(i), it.position): it.raw_label for d in docs for i, x in enumerate(d.lists)
                      for it in x.items})
    return normalised


def _rows(n, cid):
    return [(r.label, r.valid_from, r.valid_to, r.basis) for r in n.timeline if r.canonical_id == cid]


def _changes(n, basis="observed"):
    return {(c.kind, c.change_type, c.effective_date, c.before_labels, c.after_labels)
            for c in n.changes if c.basis == basis}


# ---------------------------------------------------------------- seeds: links


def test_renamed_priorities_share_one_canonical_item(n):
    soc = _canonical(n, "Serious and Organised Crime")
    assert _canonical(n, "Serious Violence and Organised Crime") == soc
    asb = _canonical(n, "Anti-social behaviour including environmental")
    assert _canonical(n, "Anti-Social Behaviour") == asb
    assert _canonical(n, "Preventing Neighbourhood Crime & ASB") == asb
    covid = _canonical(n, "Response and Recovery from the COVID-19 pandemic", "theme")
    assert _canonical(n, "Response and Recovery from Significant Community Events", "theme") == covid


def test_no_false_links(n):
    """The issue's three: different items, however alike their words."""
    assert _canonical(n, "Violent crime") != _canonical(n, "Serious Violence and Organised Crime")
    assert _canonical(n, "Domestic Abuse") != _canonical(n, "Violence against women and girls")
    assert _canonical(n, "Safeguarding Vulnerable People") != _canonical(
        n, "Safeguarding children and young people", "theme"
    )


def test_canonical_items_and_latest_labels(n):
    items = {c.canonical_id: (c.kind, c.label) for c in n.canonical_items}
    assert len([c for c in items.values() if c[0] == "priority"]) == 10
    assert len([c for c in items.values() if c[0] == "theme"]) == 8
    assert items[_canonical(n, "Serious and Organised Crime")] == ("priority", "Serious Violence and Organised Crime")
    assert items[_canonical(n, "Anti-Social Behaviour")] == ("priority", "Preventing Neighbourhood Crime & ASB")
    assert items[_canonical(n, "Violent crime")] == ("priority", "Violent crime")


def test_every_priority_and_theme_item_is_linked_with_method_and_score(seeds, n):
    docs, _ = seeds
    for d in docs:
        for i, x in enumerate(d.lists):
            for it in x.items:
                link = n.links.get((d.list_id(i), it.position))
                if x.role in tl.KINDS:
                    assert link is not None, (x.role, it.raw_label)
                    assert link.method in tl.METHOD_RANK
                    assert 0 < link.score <= 100
                elif x.role not in ("district_assessment",):
                    assert link is None  # police plan, MoRiLE, workshop items are not CSA priorities


def test_district_issues_link_only_where_they_name_a_priority(seeds, n):
    docs, _ = seeds
    linked = {}
    for d in docs:
        for i, x in enumerate(d.lists):
            if x.role == "district_assessment":
                for it in x.items:
                    link = n.links.get((d.list_id(i), it.position))
                    linked[it.raw_label] = link.canonical_id if link else None
    asb, soc = _canonical(n, "Anti-Social Behaviour"), _canonical(n, "Serious and Organised Crime")
    assert linked["ASB / Environmental"] == asb
    assert linked["ASB/Environmental"] == asb
    assert linked["Extremism & Hate"] == _canonical(n, "Preventing Extremism and Hate")
    assert linked[
        "Serious and Organised Crime (including gangs, organised crime groups, county lines, modern slavery)"
    ] == soc
    for label in ("Tackling Violence", "Crime", "Safeguarding and Vulnerability", "Mental Health",
                  "Violence (other than DA)", "Theft", "Reducing Offending and Reoffending"):
        assert linked[label] is None, label


def test_leads_link_to_their_priorities(seeds, n):
    docs, _ = seeds
    found = {(d.doc_id, lead.raw_priority): n.lead_links.get((d.doc_id, i)) for d in docs
             for i, lead in enumerate(d.leads)}
    assert len(found) == 13 and all(found.values())
    by_label = {raw: link.canonical_id for (_, raw), link in found.items()}
    assert by_label["VAWG (Violence Against Women and Girls) and Domestic Abuse"] == _canonical(n, "Domestic Abuse")
    assert by_label["Anti-social behaviour inc. environmental"] == _canonical(n, "Anti-Social Behaviour")
    assert by_label["Violent Crime"] == _canonical(n, "Violent crime")


# ---------------------------------------------------------------- seeds: changes


def test_observed_changes_on_the_seeds(n):
    got = {(c.kind, c.change_type, c.effective_date, c.earliest, c.latest, c.before_labels, c.after_labels)
           for c in n.changes if c.basis == "observed"}
    # the 2011-14 list, then nothing until the 2019 list, which the 2020 report prints as unchanged at the
    # March 2019 review: it stands for 2018/19 too
    gap = (D(2018, 4, 1), D(2014, 4, 1), D(2018, 4, 1))
    expected = {
        ("priority", "renamed", *gap, ("Anti-social behaviour including environmental",), ("Anti-Social Behaviour",)),
        ("priority", "removed", *gap, ("Violent crime",), ()),
        ("priority", "removed", *gap, ("Acquisitive crime (ie thefts and shoplifting)",), ()),
        ("priority", "added", *gap, (), ("Safeguarding Vulnerable People",)),
        ("priority", "added", *gap, (), ("Serious and Organised Crime",)),
        ("priority", "added", *gap, (), ("Preventing Extremism and Hate",)),
        # the 2020 report shows the 2019 list on 18 March 2020 and recommends one rename from April 2020,
        # which the 2022 draft (another paper, within 400 days of 2020/21's end) carries
        ("priority", "renamed", D(2020, 4, 1), D(2020, 3, 19), D(2020, 4, 1), ("Serious and Organised Crime",),
         ("Serious Violence and Organised Crime",)),
        # the 2022 draft's 'VAWG & Domestic Abuse' was never shown adopted: 2025 goes on from 'Domestic Abuse'
        ("priority", "added", D(2025, 4, 1), D(2022, 4, 2), D(2025, 4, 1), (), ("Violence against women and girls",)),
        ("priority", "renamed", D(2025, 4, 1), D(2022, 4, 2), D(2025, 4, 1), ("Anti-Social Behaviour",),
         ("Preventing Neighbourhood Crime & ASB",)),
        ("theme", "renamed", *gap, ("Reducing re-offending",), ("Reduce Re-Offending and Support Victims",)),
        ("theme", "added", *gap, (), ("Improve Quality of Life and Enhance Community Resilience",)),
        ("theme", "added", *gap, (), ("Support Mental Health and Wellbeing",)),
        ("theme", "removed", *gap, ("Priority neighbourhoods / geographic focus",), ()),
        ("theme", "removed", *gap, ("Vulnerable households and individuals",), ()),
        ("theme", "removed", *gap, ("Safeguarding children and young people",), ()),
        # the 2022 draft's new theme is adopted: the same draft narrates it as added in 2021
        ("theme", "added", D(2022, 4, 1), D(2021, 4, 1), D(2022, 4, 1), (),
         ("Response and Recovery from the COVID-19 pandemic",)),
        ("theme", "renamed", D(2025, 4, 1), D(2022, 4, 2), D(2025, 4, 1),
         ("Response and Recovery from the COVID-19 pandemic",),
         ("Response and Recovery from Significant Community Events",)),
    }
    assert got == expected
    assert _changes(n, "proposed") == {
        ("priority", "renamed", D(2022, 4, 1), ("Domestic Abuse",),
         ("Violence Against Women and Girls (VAWG) & Domestic Abuse",)),
    }


def test_change_evidence_names_lists_lines_and_gaps(n):
    soc = next(c for c in n.changes if c.change_type == "renamed" and c.basis == "observed" and c.after_labels == (
        "Serious Violence and Organised Crime",))
    assert soc.change_id == "obs-kent-priority-2020-04-01-01"
    assert "p.1 l.34" in soc.evidence and "p.1 l.79" in soc.evidence
    assert "fuzzy (score 85.7" in soc.evidence
    assert "no priority list" not in soc.evidence  # 2019 -> 2020 is contiguous
    assert "adopted: the proposed list 264e6b20d66e1ec8-L04 (from 2022-04-01) has 'Serious Violence" in soc.evidence
    gap = next(c for c in n.changes if c.before_labels == ("Violent crime",))
    assert "The corpus has no priority list between 2014-03-31 and 2018-04-01" in gap.evidence
    assert "printed as unchanged since 2018-04-01: \"In the last review of the CSA" in gap.evidence
    vawg = next(c for c in n.changes if c.basis == "proposed")
    assert "not shown adopted: no later list from another paper starts within 400 days" in vawg.evidence


def test_stated_changes_from_the_narrated_history(seeds, n):
    stated = {c.change_id: c for c in n.changes if c.basis == "stated"}
    got = {(c.kind, c.change_type, c.effective_date, c.earliest, c.latest, c.before_labels, c.after_labels)
           for c in stated.values()}
    assert got == {
        # '2018 - ...' is a year only: no day, a window narrowed to where the lists agree (April 2018 at the latest)
        ("priority", "split", None, D(2018, 1, 1), D(2018, 4, 1), ("Safeguarding Vulnerable People",),
         ("Safeguarding Vulnerable People", "Preventing Extremism and Hate")),
        ("theme", "added", None, D(2018, 1, 1), D(2018, 4, 1), (), ("Support Mental Health and Wellbeing",)),
        ("priority", "renamed", None, D(2020, 3, 19), D(2020, 4, 1), ("Serious and Organised Crime",),
         ("Serious Violence and Organised Crime",)),
        ("theme", "added", None, D(2021, 4, 1), D(2021, 12, 31), (),
         ("Response and Recovery from the COVID-19 pandemic",)),
    }
    assert all(c.doc_id == seeds[0][1].doc_id for c in stated.values())  # the 2022 draft agreement
    rename = next(c for c in stated.values() if c.change_type == "renamed")
    assert rename.canonical_ids == (_canonical(n, "Serious and Organised Crime"),)
    assert "l.1122-1127" in rename.evidence
    # each is linked to the observed change of the same transition, and that change back to it
    observed = {c.change_id: c for c in n.changes if c.basis == "observed"}
    links = {(c.after_labels[-1], observed[c.linked_change_id].after_labels) for c in stated.values()}
    assert links == {
        ("Preventing Extremism and Hate", ("Preventing Extremism and Hate",)),
        ("Support Mental Health and Wellbeing", ("Support Mental Health and Wellbeing",)),
        ("Serious Violence and Organised Crime", ("Serious Violence and Organised Crime",)),
        ("Response and Recovery from the COVID-19 pandemic", ("Response and Recovery from the COVID-19 pandemic",)),
    }
    assert all(observed[c.linked_change_id].linked_change_id == c.change_id for c in stated.values())


# ---------------------------------------------------------------- seeds: timeline


def test_timeline_2011_14_list_then_a_gap(n):
    rows = [r for r in n.timeline if r.valid_from == D(2011, 4, 1)]
    assert {r.label for r in rows if r.kind == "priority"} == {
        "Anti-social behaviour including environmental", "Domestic abuse", "Substance misuse",
        "Acquisitive crime (ie thefts and shoplifting)", "Violent crime", "Road safety",
    }
    assert {r.valid_to for r in rows} == {D(2014, 3, 31)}  # the stated end; nothing is shown for 2014-18
    assert {r.basis for r in rows} == {"printed"}
    assert [(g.kind, g.gap_from, g.gap_to) for g in n.gaps if g.what == "nothing_in_force"] == [
        ("priority", D(2014, 4, 1), D(2018, 3, 31)), ("theme", D(2014, 4, 1), D(2018, 3, 31))]


def test_timeline_of_the_renamed_priority(n):
    assert _rows(n, _canonical(n, "Serious and Organised Crime")) == [
        ("Serious and Organised Crime", D(2018, 4, 1), D(2020, 3, 31), "printed"),
        ("Serious Violence and Organised Crime", D(2020, 4, 1), D(2021, 3, 31), "printed"),  # the adopted proposal
        ("Serious Violence and Organised Crime", D(2021, 4, 1), D(2022, 3, 31), "carried_forward"),
        ("Serious Violence and Organised Crime", D(2022, 4, 1), D(2022, 4, 1), "printed"),  # the 2022 draft's date
        ("Serious Violence and Organised Crime", D(2022, 4, 2), D(2025, 3, 31), "carried_forward"),
        ("Serious Violence and Organised Crime", D(2025, 4, 1), None, "printed"),
    ]


def test_timeline_of_domestic_abuse_and_vawg(n):
    assert _rows(n, _canonical(n, "Domestic Abuse")) == [
        ("Domestic abuse", D(2011, 4, 1), D(2014, 3, 31), "printed"),
        ("Domestic Abuse", D(2018, 4, 1), D(2021, 3, 31), "printed"),
        ("Domestic Abuse", D(2021, 4, 1), D(2025, 3, 31), "carried_forward"),  # the draft rewords it: not adopted
        ("Violence Against Women and Girls (VAWG) & Domestic Abuse", D(2022, 4, 1), D(2025, 3, 31), "proposed_only"),
        ("Domestic Abuse", D(2025, 4, 1), None, "printed"),
    ]
    assert _rows(n, _canonical(n, "Violence against women and girls")) == [
        ("Violence against women and girls", D(2025, 4, 1), None, "printed"),
    ]


def test_timeline_covid_theme_and_removed_priority(n):
    assert _rows(n, _canonical(n, "Response and Recovery from the COVID-19 pandemic", "theme")) == [
        ("Response and Recovery from the COVID-19 pandemic", D(2022, 4, 1), D(2022, 4, 1), "printed"),
        ("Response and Recovery from the COVID-19 pandemic", D(2022, 4, 2), D(2025, 3, 31), "carried_forward"),
        ("Response and Recovery from Significant Community Events", D(2025, 4, 1), None, "printed"),
    ]
    assert _rows(n, _canonical(n, "Violent crime")) == [("Violent crime", D(2011, 4, 1), D(2014, 3, 31), "printed")]


def test_in_force_on_any_date_of_the_corpus_span(n):
    """Every day from the first Kent list to the latest paper answers, but the stated gap; 2021 has the
    seven priorities of the 2020 list, with the adopted rename."""
    def in_force(day, kind="priority"):
        return sorted(r.label for r in n.timeline if r.kind == kind and r.basis != "proposed_only"
                      and r.valid_from <= day and (r.valid_to is None or r.valid_to >= day))

    assert in_force(D(2021, 6, 1)) == ["Anti-Social Behaviour", "Domestic Abuse", "Preventing Extremism and Hate",
                                       "Road Safety", "Safeguarding Vulnerable People",
                                       "Serious Violence and Organised Crime", "Substance Misuse"]
    assert in_force(D(2012, 6, 1)) == ["Acquisitive crime (ie thefts and shoplifting)",
                                       "Anti-social behaviour including environmental", "Domestic abuse", "Road safety",
                                       "Substance misuse", "Violent crime"]
    day, empty = D(2011, 4, 1), []
    while day <= D(2025, 11, 20):
        if not in_force(day):
            empty.append(day)
        day += dt.timedelta(days=1)
    assert (empty[0], empty[-1], len(empty)) == (D(2014, 4, 1), D(2018, 3, 31), 1461)  # only the stated gap


def test_proposals_adopted_or_not(n):
    got = {(p.kind, p.element.change_type, p.element.after.raw_label if p.element.after else None, p.adopted)
           for p in n.proposals}
    assert got == {
        ("priority", "renamed", "Serious Violence and Organised Crime", True),
        ("priority", "renamed", "Violence Against Women and Girls (VAWG) & Domestic Abuse", False),
        ("theme", "added", "Response and Recovery from the COVID-19 pandemic", True),
    }


# ---------------------------------------------------------------- hand-built lists


def _list(lid, stance, start, end, labels, observed=None, role="priorities", doc=None):
    items = tuple(tl.Item(lid, i, label, 1, i) for i, label in enumerate(labels, start=1))
    return tl.ListRef(lid, doc or lid, role, stance, start, end, observed or start, items)


def test_merge_is_detected():
    n = tl.normalise([
        _list("A", "current", D(2015, 4, 1), D(2016, 3, 31), ["Burglary", "Vehicle crime", "Road safety"]),
        _list("B", "current", D(2016, 4, 1), D(2017, 3, 31), ["Burglary and vehicle crime", "Road safety"]),
    ])
    merged = [c for c in n.changes if c.change_type == "merged"]
    assert [(c.before_labels, c.after_labels) for c in merged] == [
        (("Burglary", "Vehicle crime"), ("Burglary and vehicle crime",))
    ]
    assert {c.change_type for c in n.changes} == {"merged"}


def test_added_removed_and_contiguous_intervals():
    n = tl.normalise([
        _list("A", "current", D(2015, 4, 1), None, ["Burglary", "Road safety"], observed=D(2015, 6, 1)),
        _list("B", "current", D(2016, 4, 1), None, ["Road safety", "Hate crime"], observed=D(2016, 6, 1)),
    ])
    assert {(c.change_type, c.before_labels, c.after_labels) for c in n.changes} == {
        ("removed", ("Burglary",), ()),
        ("added", (), ("Hate crime",)),
    }
    rows = {(r.label, r.valid_from, r.valid_to) for r in n.timeline}
    assert rows == {
        ("Burglary", D(2015, 4, 1), D(2016, 3, 31)),  # ends the day before the list that drops it
        ("Road safety", D(2015, 4, 1), None),  # one unbroken row, still in force
        ("Hate crime", D(2016, 4, 1), None),
    }


def test_a_long_silence_is_carried_forward_but_a_stated_end_is_a_gap():
    n = tl.normalise([
        _list("A", "current", D(2012, 4, 1), None, ["Road safety"], observed=D(2012, 5, 1)),
        _list("B", "current", D(2018, 4, 1), None, ["Road safety"], observed=D(2018, 5, 1)),
    ])
    assert [(r.valid_from, r.valid_to, r.basis) for r in n.timeline] == [
        (D(2012, 4, 1), D(2012, 5, 1), "printed"),  # the last document that shows it
        (D(2012, 5, 2), D(2018, 3, 31), "carried_forward"),  # no paper for six years, and nothing contradicts it
        (D(2018, 4, 1), None, "printed"),
    ]
    assert [(g.gap_from, g.gap_to, g.what) for g in n.gaps] == [(D(2012, 5, 2), D(2018, 3, 31), "no_paper")]
    ended = tl.normalise([
        _list("A", "current", D(2012, 4, 1), D(2015, 3, 31), ["Road safety"]),
        _list("B", "current", D(2018, 4, 1), None, ["Road safety"]),
    ])
    assert [(r.valid_from, r.valid_to, r.basis) for r in ended.timeline] == [
        (D(2012, 4, 1), D(2015, 3, 31), "printed"), (D(2018, 4, 1), None, "printed")]
    assert [(g.gap_from, g.gap_to, g.what) for g in ended.gaps] == [
        (D(2015, 4, 1), D(2018, 3, 31), "nothing_in_force")]
    annual = tl.normalise([  # an annual list's end, then the next list a year and a day later: carried across
        _list("A", "current", D(2020, 4, 1), D(2021, 3, 31), ["Road safety", "Burglary"]),
        _list("B", "current", D(2022, 4, 1), None, ["Road safety"]),
    ])
    assert [(r.label, r.valid_from, r.valid_to, r.basis) for r in annual.timeline] == [
        ("Burglary", D(2020, 4, 1), D(2021, 3, 31), "printed"),
        ("Burglary", D(2021, 4, 1), D(2022, 3, 31), "carried_forward"),  # to the day before the list dropping it
        ("Road safety", D(2020, 4, 1), D(2021, 3, 31), "printed"),
        ("Road safety", D(2021, 4, 1), D(2022, 3, 31), "carried_forward"),
        ("Road safety", D(2022, 4, 1), None, "printed"),
    ]
    removed = next(c for c in annual.changes if c.change_type == "removed")
    assert (removed.effective_date, removed.earliest, removed.latest) == (D(2022, 4, 1), D(2021, 4, 1), D(2022, 4, 1))


def test_a_proposal_is_in_force_only_once_a_later_paper_shows_it_adopted():
    base = [_list("A", "current", D(2015, 4, 1), None, ["Burglary", "Road safety"], observed=D(2016, 2, 1), doc="a"),
            _list("P", "proposed", D(2016, 4, 1), None, ["Burglary", "Road safety and speeding", "Hate crime"],
                  observed=D(2016, 2, 1), doc="a")]
    pending = tl.normalise(base)
    assert {(r.label, r.basis) for r in pending.timeline if r.valid_from <= D(2016, 6, 1)
            and (r.valid_to is None or r.valid_to >= D(2016, 6, 1))} == {
        ("Burglary", "printed"), ("Road safety", "carried_forward"),
        ("Road safety and speeding", "proposed_only"), ("Hate crime", "proposed_only")}
    assert {(c.change_type, c.basis) for c in pending.changes} == {("renamed", "proposed"), ("added", "proposed")}
    adopted = tl.normalise([*base, _list("B", "current", D(2017, 4, 1), None,
                                         ["Burglary", "Road safety and speeding", "Hate crime"], doc="b")])
    assert {(r.label, r.basis) for r in adopted.timeline if r.valid_from == D(2016, 4, 1)} == {
        ("Road safety and speeding", "printed"), ("Hate crime", "printed")}
    assert {(c.change_type, c.basis, c.effective_date) for c in adopted.changes} == {
        ("renamed", "observed", D(2016, 4, 1)), ("added", "observed", D(2016, 4, 1))}
    refused = tl.normalise([*base, _list("B", "current", D(2017, 4, 1), None, ["Burglary", "Road safety"], doc="b")])
    assert {(p.element.change_type, p.adopted) for p in refused.proposals} == {("renamed", False), ("added", False)}
    assert "the current list B (from 2017-04-01) still has 'Road safety'" in next(
        p.evidence for p in refused.proposals if p.element.change_type == "renamed")


def test_a_covered_proposal_is_not_a_version_and_restatements_change_nothing():
    n = tl.normalise([
        _list("A", "current", D(2015, 4, 1), D(2018, 3, 31), ["Burglary", "Road safety"]),
        _list("P", "proposed", D(2016, 4, 1), None, ["Burglary", "Road safety", "Cyber crime"]),
        _list("R", "current", D(2015, 4, 1), D(2016, 3, 31), ["burglary", "Road Safety"]),
    ])
    assert n.changes == []
    assert {r.basis for r in n.timeline} == {"printed"}
    assert {lid for (lid, _) in n.links} == {"A", "P", "R"}  # every item still linked
    assert n.links[("R", 1)].canonical_id == n.links[("A", 1)].canonical_id


def test_curated_override_wins_and_is_recorded():
    curated = [tl.Curated("Violent crime", "priority", "priority:violence", "researcher: same strand of work")]
    n = tl.normalise(
        [
            _list("A", "current", D(2011, 4, 1), D(2014, 3, 31), ["Violent crime"]),
            _list("B", "current", D(2014, 4, 1), None, ["Serious violence"]),
        ],
        curated=[*curated, tl.Curated("Serious violence", "priority", "priority:violence", "same")],
    )
    assert n.links[("A", 1)] == tl.Link("priority:violence", "curated", 100.0, "researcher: same strand of work")
    assert n.links[("B", 1)].canonical_id == "priority:violence"
    assert [(c.change_type, c.before_labels, c.after_labels) for c in n.changes] == [
        ("renamed", ("Violent crime",), ("Serious violence",))
    ]


def test_curated_beats_an_exact_match_and_an_exact_row_beats_a_normalised_one():
    curated = [
        tl.Curated("road safety", "priority", "priority:roads", "any case"),
        tl.Curated("Road Safety", "priority", "priority:road-danger", "this exact wording"),
    ]
    n = tl.normalise([
        _list("A", "current", D(2015, 4, 1), None, ["Road Safety", "Road safety", "Burglary"]),
    ], curated=curated)
    assert n.links[("A", 1)] == tl.Link("priority:road-danger", "curated", 100.0, "this exact wording")
    assert n.links[("A", 2)] == tl.Link("priority:roads", "curated", 100.0, "any case")
    assert n.links[("A", 3)].method == "exact"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Violent crime,priority,,\n", "line 2: missing canonical_id, reason"),
        ("Violent crime,priorities,priority:v,why\n", "kind must be priority or theme"),
        ("Violent crime,priority,theme:v,why\n", "is not a priority"),
        ("Violent crime,priority,priority:v,why\nViolent crime,priority,priority:w,why\n", "already curated on line 2"),
    ],
)
def test_curated_file_is_validated(tmp_path, rows, message):
    bad = tmp_path / "curated.csv"
    bad.write_text("raw_label,kind,canonical_id,reason\n" + rows, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        tl.load_curated(bad)


def test_curated_file_saved_by_a_spreadsheet_is_read(tmp_path):
    good = tmp_path / "curated.csv"
    good.write_bytes("raw_label,kind,canonical_id,reason\r\nTheft,priority,priority:kent:acquisitive-crime,"
                     "thefts are its example\r\n".encode("utf-8-sig"))
    assert tl.load_curated(good) == [
        tl.Curated("Theft", "priority", "priority:kent:acquisitive-crime", "thefts are its example")
    ]
    assert tl.load_curated() == []  # the shipped file holds no overrides


def test_hand_written_report_historic_then_recommended():
    """A house style not in the corpus: a numbered 'previous agreement' list, then recommended priorities.
    No later paper shows the recommendation adopted: its changes are proposed, what was in force goes on."""
    path = ROOT / "tests" / "fixtures" / "house_styles" / "northshire_priorities_report.txt"
    doc = extract_document(path.read_bytes(), Path(path).name)
    n = tl.normalise_documents([doc])
    assert _changes(n, "proposed") >= {
        ("priority", "renamed", D(2023, 4, 1), ("Tackling anti-social behaviour",),
         ("Anti-social behaviour (including environmental crime)",)),
        ("priority", "renamed", D(2023, 4, 1), ("Reducing domestic abuse",),
         ("Domestic abuse and violence against women and girls",)),
        ("priority", "removed", D(2023, 4, 1), ("Reducing reoffending",), ()),
        ("priority", "added", D(2023, 4, 1), (), ("Serious violence and exploitation",)),
        ("priority", "added", D(2023, 4, 1), (), ("Drug and alcohol misuse",)),
    }
    assert _changes(n) == set()  # nothing observed: one paper, one proposal
    rows = {(r.label, r.valid_from, r.valid_to, r.basis) for r in n.timeline if r.kind == "priority"}
    assert ("Road safety", D(2020, 4, 1), D(2026, 3, 31), "printed") in rows  # printed again by the recommendation
    assert ("Reducing reoffending", D(2023, 4, 1), D(2026, 3, 31), "carried_forward") in rows
    assert ("Drug and alcohol misuse", D(2023, 4, 1), D(2026, 3, 31), "proposed_only") in rows


def test_each_body_has_its_own_history(seeds):
    """A Northshire paper beside Kent's: no change or interval ever crosses from one council to the other."""
    docs, kent_only = seeds
    path = ROOT / "tests" / "fixtures" / "house_styles" / "northshire_priorities_report.txt"
    northshire = extract_document(path.read_bytes(), path.name)
    assert {d.metadata.body for d in docs} == {"Kent"} and northshire.metadata.body == "Northshire"
    both = tl.normalise_documents([*docs, northshire])
    kent = {(c.change_type, c.before_labels, c.after_labels, c.effective_date) for c in kent_only.changes}
    assert kent <= {(c.change_type, c.before_labels, c.after_labels, c.effective_date) for c in both.changes}
    north = [c for c in both.changes if c.doc_id == northshire.doc_id]
    assert north and all(c.change_id.startswith("prop-northshire-") for c in north)
    assert all(c.effective_date == D(2023, 4, 1) for c in north)  # never chained to Kent's 2022 or 2025 lists
    assert not any(c.doc_id == northshire.doc_id for c in kent_only.changes)
    alone = tl.normalise_documents([northshire])

    def view(n):
        return sorted((c.change_type, c.before_labels, c.after_labels) for c in n.changes
                      if c.doc_id == northshire.doc_id)

    assert view(both) == view(alone)  # Kent's links never leak into Northshire's history
    ids = {r.canonical_id for r in both.timeline}
    assert all(i.split(":")[1] in ("kent", "northshire") for i in ids)
    north_rows = [r for r in both.timeline if r.canonical_id.startswith("priority:northshire:")]
    assert len(north_rows) == len([r for r in alone.timeline if r.kind == "priority"])


def test_output_does_not_depend_on_document_order(seeds):
    import random

    docs, expected = seeds
    shuffled = list(docs)
    random.Random(3).shuffle(shuffled)
    got = tl.normalise_documents(shuffled, tl.load_curated())
    assert (got.canonical_items, got.links, got.lead_links, got.timeline) == (
        expected.canonical_items, expected.links, expected.lead_links, expected.timeline)
    assert sorted(got.changes, key=lambda c: c.change_id) == sorted(expected.changes, key=lambda c: c.change_id)


def test_same_head_links_only_the_single_leftover_on_each_side():
    def step(before, after):
        n = tl.normalise([_list("A", "current", D(2015, 4, 1), D(2016, 3, 31), before),
                          _list("B", "current", D(2016, 4, 1), D(2017, 3, 31), after)])
        return {(c.change_type, c.before_labels, c.after_labels) for c in n.changes}

    # two leftovers each side: the weak rule links nothing
    assert step(["Child Sexual Exploitation", "Young people and substance misuse", "Road safety"],
                ["Child Sexual Abuse", "Young people and mental health", "Road safety"]) == {
        ("removed", ("Child Sexual Exploitation",), ()), ("removed", ("Young people and substance misuse",), ()),
        ("added", (), ("Child Sexual Abuse",)), ("added", (), ("Young people and mental health",)),
    }
    # one leftover each side, sharing a two-word head: a rename (as the 2022 -> 2025 theme)
    assert step(["Response and recovery from the pandemic", "Road safety"],
                ["Response and recovery from significant events", "Road safety"]) == {
        ("renamed", ("Response and recovery from the pandemic",), ("Response and recovery from significant events",))
    }
    # 'against' is a stopword: one substantive word shared is never a link
    assert step(["Violence against children"], ["Violence against women and girls"]) == {
        ("removed", ("Violence against children",), ()), ("added", (), ("Violence against women and girls",)),
    }


def test_a_parenthesis_that_distinguishes_is_kept():
    n = tl.normalise([_list("A", "current", D(2015, 4, 1), None, ["Exploitation (children)", "Exploitation (adults)"])])
    assert n.links[("A", 1)].canonical_id != n.links[("A", 2)].canonical_id
    assert len(n.timeline) == 2


def test_a_label_printed_twice_is_one_item_and_an_empty_corpus_is_empty():
    n = tl.normalise([_list("A", "current", D(2015, 4, 1), None, ["Road safety", "Burglary", "Road Safety"])])
    assert n.links[("A", 1)].canonical_id == n.links[("A", 3)].canonical_id
    assert len(n.canonical_items) == 2 and len(n.timeline) == 2
    empty = tl.normalise([])
    assert (empty.canonical_items, empty.links, empty.timeline, empty.changes) == ([], {}, [], [])
