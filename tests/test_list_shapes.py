"""The list shapes real papers use, each on a small paper written for the test (issue 13)."""

from extractors.lists import split_item
from extractors.pipeline import extract_document


def _lists(text: str, name: str = "paper.txt"):
    doc = extract_document(text.encode(), name)
    return [(lst.role, lst.stance, [(i.raw_label, i.detail) for i in lst.items]) for lst in doc.lists]


HEAD = "Northvale Community Safety Partnership\n\nReport to the Partnership Board on crime and disorder.\n\n"


def test_an_items_description_goes_to_detail():
    assert split_item("Acquisitive Crime – including shoplifting, theft and burglary.") == (
        "Acquisitive Crime", "including shoplifting, theft and burglary")
    assert split_item("Priority 1: Supporting Victims – raising awareness of support") == (
        "Supporting Victims", "raising awareness of support")
    assert split_item("Anti-Social Behaviour (inc. criminal damage, graffiti): partners will act together") == (
        "Anti-Social Behaviour (inc. criminal damage, graffiti)", "partners will act together")
    # not a label: a year, words ending in a verb, a hyphen without spaces, a time
    assert split_item("2018 – A new priority was introduced") == ("2018 – A new priority was introduced", None)
    assert split_item("ASB includes: neighbour disputes, fires") == ("ASB includes: neighbour disputes, fires", None)
    assert split_item("Public Confidence- Increase confidence by 5%") == (
        "Public Confidence- Increase confidence by 5%", None)
    assert split_item("Violence, vulnerability and exploitation") == ("Violence, vulnerability and exploitation", None)


def test_numbered_priorities_are_picked_out_of_a_contents_table():
    text = HEAD + ("Contents\n\n| Section | Page |\n|---|---|\n| Our Partnership | 2 |\n"
                   "| Priority 1 – Serious Violence | 3 |\n| Priority 2 - Domestic Abuse | 5 |\n"
                   "| Priority 3 – Hate Crime | 7 |\n| Our Statutory Duties | 9 |\n")
    assert _lists(text, "plan.md") == [
        ("priorities", "current", [("Serious Violence", None), ("Domestic Abuse", None), ("Hate Crime", None)])]


def test_numbers_printed_apart_from_their_items_are_paired_up():
    text = HEAD + ("It set out the following priorities for 2008-11;\n1)\n2)\n3)\nReducing the fear of crime\n"
                   "Tackling anti-social behaviour\nYoung people\nProgress\n\nPerformance is managed monthly.\n")
    (found,) = _lists(text)
    assert found[2] == [("Reducing the fear of crime", None), ("Tackling anti-social behaviour", None),
                        ("Young people", None)]


def test_titles_with_a_paragraph_each_are_items_with_details():
    text = HEAD + ("Local Strategic Priorities for Action\n\nBetween 2018 and 2023 partners will concentrate on the "
                   "following priorities:\n\n1. YOUNG PEOPLE AT RISK\n\nPartners will pilot a new model of support "
                   "for adolescents.\n\n2. ANTI-SOCIAL BEHAVIOUR\n\nPartners will coordinate responses to "
                   "long-standing cases.\n")
    (found,) = _lists(text)
    assert found[0] == "priorities"
    assert found[2] == [("YOUNG PEOPLE AT RISK", "Partners will pilot a new model of support for adolescents"),
                        ("ANTI-SOCIAL BEHAVIOUR", "Partners will coordinate responses to long-standing cases")]


def test_report_sections_are_not_a_described_list():
    text = HEAD + ("The Board is asked to agree the priorities for 2023-26:\n\n## Purpose of the report\n\n"
                   "1.1 This report asks the Board to agree the priorities.\n\n## Background\n\n"
                   "2.1 The previous agreement ran from 2020.\n")
    assert _lists(text, "report.md") == []


def test_a_pointing_lead_in_takes_the_sentence_before():
    text = HEAD + ("All ten objectives of the Police and Crime Commissioner's plan carry equal weight.\n\n"
                   "They are:\n\n- Bringing offenders to justice\n- Getting tough on drugs\n- Putting more police "
                   "on the streets\n")
    assert _lists(text) == [("police_plan", "current", [("Bringing offenders to justice", None),
                                                       ("Getting tough on drugs", None),
                                                       ("Putting more police on the streets", None)])]


def test_a_caption_names_the_list_and_residents_priorities_are_what_residents_said():
    text = HEAD + ("Northvale Community Priorities to Reduce Crime and Disorder\n\n1. Anti Social Behaviour\n"
                   "a. Youths hanging around\n2. Vehicle Nuisance\n3. Criminal Damage\n")
    assert _lists(text) == [("stakeholder_workshop", "current", [("Anti Social Behaviour", None),
                                                                 ("Vehicle Nuisance", None),
                                                                 ("Criminal Damage", None)])]


def test_one_partnerships_own_priorities_are_not_a_district_assessment():
    text = HEAD + "## Northvale CSP priorities 2021 – 2022\n\nThe strategic assessment has highlighted:\n\n" \
                  "- Domestic abuse\n- Fraud\n- County lines\n"
    assert [f[0] for f in _lists(text, "plan.md")] == ["priorities"]


def test_sub_labels_under_a_lead_in_take_its_role():
    text = HEAD + ("The split of priorities was now:\n\n"
                   "SSCB:\n\n- Criminal exploitation\n- Preventing radicalisation\n\n"
                   "CSP:\n\n- Anti-social behaviour\n- Hate crime\n")
    assert [(f[0], [i for i, _ in f[2]]) for f in _lists(text)] == [
        ("priorities", ["Criminal exploitation", "Preventing radicalisation"]),
        ("priorities", ["Anti-social behaviour", "Hate crime"])]


def test_stance_in_minutes_reports_and_sibling_lists():
    minutes = ("Agenda item\n\nNorthvale Community Safety Partnership Update\n\nMinutes:\n\n"
               "The priorities were:\n\n- Road safety\n- Burglary\n")
    assert [f[1] for f in _lists(minutes)] == ["current"]  # minutes narrate in the past tense
    report = HEAD.replace("Report to", "Purpose of the report: report to") + (
        "Recommendation: that the Board endorse the strategic priorities.\n\n"
        "The assessment identified the priorities for the next 3 years as:\n\n- Violence\n- Burglary\n")
    assert [f[1] for f in _lists(report)] == ["proposed"]
    sibling = HEAD + ("It is suggested that the 2024/25 priority areas should be:\n\n"
                      "- Violent Crime\n- Domestic Abuse\n\n"
                      "Alongside these, the crosscutting topics below will also be taken into account.\n\n"
                      "- Substance Misuse\n- Mental Health\n")
    assert [(f[0], f[1]) for f in _lists(sibling)] == [("priorities", "proposed"), ("cross_cutting_themes", "proposed")]
