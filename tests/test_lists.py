"""What the list extractor must get right, stated as a reader of the seeds would check it.

The golden files pin every detail; these tests say the important facts in words,
so a failing golden diff can be read against them.
"""

import datetime as dt

from conftest import seed

from extractors.leads import extract_leads
from extractors.lists import extract_lists, split_flattened_row
from extractors.metadata import DocumentMetadata
from extractors.readers import read_text


def lists_of(parsed, prefix, role=None):
    return [lst for lst in parsed(seed(prefix)).lists if role is None or lst.role == role]


def labels(lst):
    return [item.raw_label for item in lst.items]


def test_2014_report_with_no_list_yields_none(parsed):
    assert lists_of(parsed, "003") == []
    assert parsed(seed("003")).leads == ()


def test_2020_report_current_and_recommended_lists_are_told_apart(parsed):
    current, proposed = lists_of(parsed, "000", "priorities")
    assert (current.stance, current.applies_from) == ("current", dt.date(2019, 4, 1))
    assert (proposed.stance, proposed.applies_from) == ("proposed", dt.date(2020, 4, 1))
    assert "Serious and Organised Crime" in labels(current)
    assert "Serious Violence and Organised Crime" in labels(proposed)
    assert "Serious and Organised Crime" not in labels(proposed)
    themes = lists_of(parsed, "000", "cross_cutting_themes")
    assert [t.stance for t in themes] == ["current", "proposed"]


def test_2020_report_district_issues_are_an_assessment_not_priorities(parsed):
    (district,) = lists_of(parsed, "000", "district_assessment")
    assert labels(district)[0] == "Domestic Abuse" and labels(district)[-1] == "Crime"
    assert len(district.items) == 10  # one item printed at the outer level, nine nested: one list
    assert (district.applies_from, district.applies_to) == (dt.date(2020, 4, 1), dt.date(2021, 3, 31))


def test_2022_draft_lists_are_proposed_and_police_plan_is_not_a_csa_list(parsed):
    priorities = lists_of(parsed, "001", "priorities")
    assert len(priorities) == 1  # the Appendix E list; the narrative and the lost diagram add none
    (p,) = priorities
    assert p.stance == "proposed" and p.applies_from == dt.date(2022, 4, 1)
    assert labels(p)[0] == "Violence Against Women and Girls (VAWG) & Domestic Abuse"
    police = lists_of(parsed, "001", "police_plan")
    assert len(police) == 2
    assert all(x.applies_from == dt.date(2022, 4, 1) and x.applies_to == dt.date(2025, 3, 31) for x in police)
    # The appendix table repeats its first item where the fifth should be: kept as printed.
    assert labels(police[1])[4] == labels(police[1])[0]


def test_2022_assessment_counts_that_sit_on_the_next_line(parsed):
    (table,) = lists_of(parsed, "001", "district_assessment")
    assert [i.count for i in table.items] == [12, 11, 9, 9, 9, 8, 7, 6, 5, 5, 5, 4, 1]
    assert table.items[2].raw_label.startswith("Safeguarding and Vulnerability (including child sexual")
    assert table.items[2].raw_label.endswith("repeat victims)")


def test_2022_morile_two_column_list_is_split_into_twelve(parsed):
    (morile,) = lists_of(parsed, "001", "morile")
    assert labels(morile)[:4] == ["Child Sexual Exploitation (CSE)", "Mental Health", "PREVENT",
                                  "Organised Crime Groups (OCGs)"]
    assert len(morile.items) == 12


def test_2022_leads_table_rows_rebuilt_from_wrapped_lines(parsed):
    leads = parsed(seed("001")).leads
    assert len(leads) == 7
    assert leads[0].raw_priority == "VAWG (Violence Against Women and Girls) and Domestic Abuse"
    assert leads[0].lead == "Chair of the Domestic Abuse and Sexual Violence Executive Group"
    assert leads[5].lead == "Assistant Director for Building and Customer Safety, Kent Fire and Rescue Service"


def test_2011_pack_two_column_tab_table_and_its_period(parsed):
    priorities = lists_of(parsed, "004", "priorities")
    report, table = priorities
    assert labels(report)[0] == "Anti-social behaviour including environmental"  # qualifier kept
    assert (report.applies_from, report.applies_to) == (dt.date(2011, 4, 1), dt.date(2014, 3, 31))
    assert (table.applies_from, table.applies_to) == (dt.date(2011, 4, 1), dt.date(2012, 3, 31))
    assert labels(table) == ["Anti-social behaviour including environmental", "Domestic Abuse", "Substance Misuse",
                             "Acquisitive crime (i.e. thefts/shoplifting)", "Violent Crime", "Road Safety"]
    assert len(lists_of(parsed, "004", "cross_cutting_themes")) == 2


def test_2011_assessment_footnote_markers_removed_and_workshop_list(parsed):
    (table,) = lists_of(parsed, "004", "district_assessment")
    assert ("Theft", 6) in [(i.raw_label, i.count) for i in table.items]
    assert ("Vehicle Related", 3) in [(i.raw_label, i.count) for i in table.items]
    (workshop,) = lists_of(parsed, "004", "stakeholder_workshop")
    assert labels(workshop)[2] == "Burglary (domestic, other, distraction)"
    leads = {x.raw_priority: x.lead for x in parsed(seed("004")).leads}
    assert leads["Anti-social behaviour inc. environmental"] == "TBC"


def test_no_list_of_plans_partners_or_prose_is_taken_for_priorities(parsed):
    for prefix in ("000", "001", "002", "004"):
        for lst in lists_of(parsed, prefix):
            assert not any("Strategy" in label or "Plan," in label for label in labels(lst)), lst.heading
            assert all(len(label.split()) <= 20 for label in labels(lst)), lst.heading


META = DocumentMetadata(None, "committee_report", None, None, None, None)


def _doc(text: str):
    return read_text(text.encode(), "t.txt")


def test_semicolon_sentence_list():
    doc = _doc("Our plan\n\nPriorities: reducing violence; tackling anti-social behaviour; and road safety.\n")
    (lst,) = extract_lists(doc, META)
    assert lst.role == "priorities"
    assert labels(lst) == ["reducing violence", "tackling anti-social behaviour", "road safety"]


def test_examples_inside_a_sentence_are_not_a_list():
    doc = _doc("The review highlighted a number of recurring themes including: lack of funding; local variation.\n")
    assert extract_lists(doc, META) == []


def test_previous_priorities_are_historic():
    doc = _doc("2.1 The previous priorities (2017-2020) were:\n\n- Burglary\n- Road safety\n")
    (lst,) = extract_lists(doc, META)
    assert lst.stance == "historic"
    assert (lst.applies_from, lst.applies_to) == (dt.date(2017, 4, 1), dt.date(2020, 3, 31))


def test_assessment_bullets_with_counts_in_brackets():
    doc = _doc("Issues identified by the district CSPs:\n\n- Anti-social behaviour (7)\n- Shoplifting (2)\n")
    (lst,) = extract_lists(doc, META)
    assert lst.role == "district_assessment"
    assert [(i.raw_label, i.count) for i in lst.items] == [("Anti-social behaviour", 7), ("Shoplifting", 2)]


def test_flattened_leads_without_a_priority_list():
    doc = _doc(
        "Priority  Lead\n"
        "Neighbourhood crime\nHead of Community Safety, Borough\nCouncil\n"
        "Violence against women and\ngirls\nChair of the VAWG Board\n"
    )
    leads = extract_leads(doc)
    assert [(x.raw_priority, x.lead) for x in leads] == [
        ("Neighbourhood crime", "Head of Community Safety, Borough Council"),
        ("Violence against women and girls", "Chair of the VAWG Board"),
    ]


def test_two_column_split_prefers_brackets_capitals_and_known_phrases():
    assert split_flattened_row("Child Sexual Exploitation (CSE) Mental Health", "") == (
        "Child Sexual Exploitation (CSE)", "Mental Health")
    assert split_flattened_row("PREVENT Organised Crime Groups", "") == ("PREVENT", "Organised Crime Groups")
    assert split_flattened_row("Gangs Violent Crime", "violent crime is rising") == ("Gangs", "Violent Crime")


def test_roles_and_stances_are_the_documented_vocabulary(parsed):
    from conftest import SEEDS

    from extractors.lists import ROLES, STANCES

    for name in SEEDS:
        for lst in parsed(name).lists:
            assert lst.role in ROLES and lst.stance in STANCES
