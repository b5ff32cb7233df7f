"""Label forms and similarity: the layers of matching, and the scorer traps the issue names."""

import pytest
from rapidfuzz import fuzz

from normalisers import labels


@pytest.mark.parametrize(
    ("a", "b", "method"),
    [
        ("Road Safety", "Road Safety", "exact"),
        ("Road safety", "Road Safety", "normalised"),  # case
        ("Early Intervention, Prevention & Education", "Early intervention, prevention and education", "normalised"),
        ("Anti-social behaviour including environmental", "Anti-Social Behaviour", "normalised"),  # qualifier
        ("Anti-social behaviour inc. environmental", "Anti-Social Behaviour", "normalised"),
        ("Acquisitive crime (ie thefts and shoplifting)", "Acquisitive crime (i.e. thefts/shoplifting)", "normalised"),
        ("The Road Safety", "Road safety", "normalised"),  # article
        ("Reducing re-offending", "Reducing reoffending", "normalised"),  # hyphenation
        ("Organized crime", "Organised Crime", "normalised"),  # spelling
        ("ASB", "Anti-Social Behaviour", "abbreviation"),
        (
            "VAWG (Violence Against Women and Girls) and Domestic Abuse",
            "Violence Against Women and Girls (VAWG) & Domestic Abuse",
            "abbreviation",
        ),
        ("Serious and Organised Crime", "Serious Violence and Organised Crime", None),
        ("Domestic Abuse", "Violence against women and girls", None),
    ],
)
def test_equal_forms(a, b, method):
    assert labels.equal_forms(a, b) == method


def test_abbreviations_expand_only_as_whole_capitalised_words():
    assert labels.expanded("Preventing Neighbourhood Crime & ASB") == (
        "preventing neighbourhood crime and antisocial behaviour"
    )
    assert labels.expanded("Dashboard data") == "dashboard data"  # 'DA' inside a word, and lower case, untouched


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Serious and Organised Crime", "Serious Violence and Organised Crime"),  # expanded: 2020 rename
        ("Anti-Social Behaviour", "Preventing Neighbourhood Crime & ASB"),  # abbreviation inside a longer label
        ("Response and Recovery from the COVID-19 pandemic", "Response and Recovery from Significant Community Events"),
        ("Reducing re-offending", "Reduce Re-Offending and Support Victims"),  # verb form differs, words contained
        ("Tackling anti-social behaviour", "Anti-social behaviour (including environmental crime)"),
    ],
)
def test_renames_are_linkable(a, b):
    sim = labels.similarity(a, b)
    assert sim.linkable, sim


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Violent crime", "Serious Violence and Organised Crime"),
        ("Domestic Abuse", "Violence against women and girls"),
        ("Safeguarding Vulnerable People", "Safeguarding children and young people"),
        ("Crime", "Serious and Organised Crime"),  # one shared word, however contained
        ("Tackling Crime", "Serious and Organised Crime"),
        ("Vulnerable households and individuals", "Safeguarding Vulnerable People"),
    ],
)
def test_false_friends_are_not_linkable(a, b):
    sim = labels.similarity(a, b)
    assert not sim.linkable, sim


def test_the_token_set_trap_is_real_and_avoided():
    """rapidfuzz's token_set_ratio scores subset wording 100; our similarity does not link on it alone."""
    assert fuzz.token_set_ratio("Organised Crime", "Serious Violence and Organised Crime") == 100
    assert fuzz.token_set_ratio("crime", "violent crime") == 100
    assert not labels.similarity("Crime", "Violent crime").linkable


def test_similarity_scores_are_dice_of_substantive_words():
    sim = labels.similarity("Serious and Organised Crime", "Serious Violence and Organised Crime")
    assert (sim.shared, sim.contained, sim.score) == (3, True, 85.7)  # 2*3/(3+4)
    sim = labels.similarity("Response and Recovery from the COVID-19 pandemic",
                            "Response and Recovery from Significant Community Events")
    assert (sim.shared, sim.head, sim.score) == (2, 2, 44.4)  # 2*2/(4+5)


def test_action_words_are_ignored_for_substance_only():
    assert labels.same_substance("Extremism & Hate", "Preventing Extremism and Hate")
    assert labels.wording("Extremism & Hate") != labels.wording("Preventing Extremism and Hate")
    assert not labels.same_substance("Domestic Abuse", "Domestic Abuse and Stalking")


def test_groupings_read_a_combined_label_as_its_items():
    readings = labels.groupings("Violence Against Women and Girls (VAWG) & Domestic Abuse")
    assert ["Violence Against Women and Girls", "Domestic Abuse"] in readings
    assert labels.groupings("ASB/Environmental") == [["ASB", "Environmental"]]
    assert labels.groupings("Road Safety") == []
