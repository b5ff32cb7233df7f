"""Lists written inside sentences (extractors/prose.py), on sentences written for these tests in the
shapes council minutes use, and on sentences that must not become lists."""

import pytest

from extractors.prose import find_prose_lists, stated_count


def _items(text: str, following: str = "") -> list[list[str]]:
    return [[item for item, _ in found.items] for found in find_prose_lists(text, following)]


@pytest.mark.parametrize(("text", "expected"), [
    # a colon, semicolons, a joining "and"
    ("The Partnership priorities were: tackling burglary; reducing knife crime; and supporting victims.",
     [["tackling burglary", "reducing knife crime", "supporting victims"]]),
    # commas with a final "and" inside which one item also holds an "and"
    ("Our cross-cutting priorities are: reducing offending and reoffending, tackling hate crime, "
     "using trauma-informed approaches and building community confidence.",
     [["reducing offending and reoffending", "tackling hate crime", "using trauma-informed approaches",
       "building community confidence"]]),
    # no colon: 'which were', and an Oxford comma
    ("The Officer set out the areas of priority, which were road safety, drug misuse, and youth crime.",
     [["road safety", "drug misuse", "youth crime"]]),
    # 'of' before capitals
    ("Members agreed to keep the existing priorities for Northvale of Protecting Vulnerable People, "
     "Tackling Crime and ASB and Enabling Fair Treatment.",
     [["Protecting Vulnerable People", "Tackling Crime and ASB", "Enabling Fair Treatment"]]),
    # a bracket after the noun
    ("The survey gave a clear steer towards five key areas (drug related crime, road safety, violent crime, "
     "cybercrime and communication).",
     [["drug related crime", "road safety", "violent crime", "cybercrime", "communication"]]),
    # where most items open with a verb, 'the fear of crime' continues the item before it
    ("The priorities agreed were: reducing crime, the fear of crime and anti-social behaviour, protecting "
     "victims and reducing re-offending.",
     [["reducing crime, the fear of crime and anti-social behaviour", "protecting victims", "reducing re-offending"]]),
])
def test_lists_inside_sentences(text, expected):
    assert _items(text) == expected


def test_a_stated_count_settles_a_comma_inside_an_item():
    text = ("Under the Plan 2021-24 the current priorities were: Reducing Violence and Abuse, Reducing Theft, "
            "Reducing Anti-Social Behaviour, Damage and Nuisance, Protecting Vulnerable Communities.")
    following = "Alongside these, two cross cutting themes ran across the four priorities."
    assert _items(text, following) == [["Reducing Violence and Abuse", "Reducing Theft",
                                        "Reducing Anti-Social Behaviour, Damage and Nuisance",
                                        "Protecting Vulnerable Communities"]]
    # the year span '2021-24' is not a count, and a count of themes does not count priorities
    assert stated_count("the Plan 2021-24 the current priorities", "priorities") is None
    assert stated_count("two cross cutting themes across the four priorities", "priorities") == 4
    assert stated_count("two cross cutting themes across the four priorities", "cross cutting themes") == 2


def test_two_items_joined_by_and_need_the_paper_to_say_two():
    said = ("The Partnership focused on two cross cutting themes, "
            "and these were Reducing Harm and Reducing Re-Offending.")
    assert _items(said) == [["Reducing Harm", "Reducing Re-Offending"]]
    unsaid = "Road safety is a priority for partners through the Casualty Reduction Partnership and they will report."
    assert _items(unsaid) == []


@pytest.mark.parametrize("text", [
    "The priorities are set out in the plan, the action plan and the strategy.",
    "The SSSP priorities are taken from the findings of the annual assessment, the local profiles and the plan.",
    "These Highest Priority ASB Incidents include: teenagers hanging around, vehicle nuisance and vandalism.",
    "The group identified priority concerns which include young drivers, motorcyclists and business drivers.",
    "It is proposed that the theme be renamed: ‘Response and Recovery from Significant Community Events’.",
    "It gave an overview of the partnership: what the CSP priorities were, the outcome of the review, and "
    "what had been achieved.",
    "We gathered the community priorities from as broad a mix of residents, partners and practitioners as we could.",
    "Based on these priorities the following are the top issues, either as a main priority, theme or as an issue.",
])
def test_sentences_that_are_not_lists(text):
    assert _items(text) == []
