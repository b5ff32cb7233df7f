"""Narrated history entries become stated changes; proposals and no-change statements do not."""

from extractors.history import extract_narrated_changes
from extractors.readers import read_document

PAPER = """\
WESTSHIRE COMMUNITY SAFETY AGREEMENT

5. History of the agreement

5.1 The agreement has been refreshed every year since 2014:

- 2015 - A new priority of 'Hate Crime' was introduced.
- 2016 - The priority of Burglary was renamed to 'Acquisitive Crime'.
- 2017 - 'Drugs' and 'Alcohol' were merged to become 'Substance Misuse'.
- 2018 - The cross-cutting theme of 'Priority Neighbourhoods' was removed.
- 2019 - There were no changes to the priorities.
- In 2020, a new cross-cutting theme was added entitled "Victims", and a new priority was added called 'Road Safety'.

5.2 It is proposed that the priority 'Acquisitive Crime' be renamed 'Neighbourhood Crime' from April 2024.
"""


def test_each_shape_of_narrated_change():
    doc = read_document(PAPER.encode(), "westshire.txt")
    got = [(c.year, c.change_type, c.kind, c.before_labels, c.after_labels, c.line_start)
           for c in extract_narrated_changes(doc)]
    assert got == [
        (2015, "added", "priority", (), ("Hate Crime",), 7),
        (2016, "renamed", "priority", ("Burglary",), ("Acquisitive Crime",), 8),
        (2017, "merged", "priority", ("Drugs", "Alcohol"), ("Substance Misuse",), 9),
        (2018, "removed", "theme", ("Priority Neighbourhoods",), (), 10),
        (2020, "added", "theme", (), ("Victims",), 12),
        (2020, "added", "priority", (), ("Road Safety",), 12),
    ]


def test_no_history_entries_no_changes(parsed):
    from conftest import SEEDS

    counts = {name[:3]: len(parsed(name).narrated) for name in SEEDS}
    assert counts == {"000": 0, "001": 4, "002": 0, "003": 0, "004": 0}


def test_a_narrated_merge_of_themes_is_a_theme_change():
    text = "History\n\n- 2017 - 'Early help' and 'Prevention' were merged to become 'Early help' (themes).\n"
    (change,) = extract_narrated_changes(read_document(text.encode(), "t.txt"))
    assert (change.change_type, change.kind, change.before_labels) == ("merged", "theme", ("Early help", "Prevention"))


def test_no_change_statements_in_the_words_councils_use():
    from extractors.claims import extract_claims

    said = [
        "The plan has been refreshed with new data, although the strategic priorities identified have not changed.",
        "The priority headings chosen for 2018/19 are unchanged from this year.",
        "The Cabinet Member said the new Strategy's themes were broadly the same as the last one's.",
        "There was a consensus to retain the existing priorities of Protecting People and Tackling Crime.",
        "The partnership had reviewed and confirmed its priorities for the next two years.",
        "Four priorities had been set by the previous plan, and the consultation backed keeping all four of them.",
    ]
    not_said = [
        "The priorities were agreed as follows:",
        "The priority areas are the same as those of the Police and Crime Commissioner.",
        "Priorities will be reviewed annually by the Board.",
        "In 2017/18 the priorities agreed by the partnership were as follows:",  # a date, not a change
    ]
    for sentence in said + not_said:
        doc = read_document(f"Northvale Community Safety Partnership\n\n{sentence}\n".encode(), "t.txt")
        claims = extract_claims(doc)
        expected = [("none", sentence)] if sentence in said else []
        assert [(c.change_type, c.text) for c in claims] == expected, sentence
