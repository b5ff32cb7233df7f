"""`csa eval`'s scoring (flows/evaluate.py) on records made up for the test, and its command line."""

import datetime as dt

import yaml

from flows.evaluate import ClaimRecord, DocRecord, Item, ListRecord, load_gold, norm, pair_lists, score

D = dt.date


def _list(role, stance, *labels, start=None, heading="h", details=None):
    details = details or {}
    return ListRecord(role, stance, start, None, heading, tuple(Item(lb, details.get(lb)) for lb in labels))


def _doc(name, *lists, kind="minutes", meeting=None, lookalikes=()):
    return DocRecord(name, kind, meeting, None, None, tuple(lists), tuple(lookalikes))


def test_labels_compare_after_light_normalisation():
    assert norm("Anti‑Social Behaviour & Hate Crime.") == norm("anti-social behaviour and hate crime")
    assert norm("‘Think family’;") == norm("'think family'")
    assert norm("Domestic Abuse (including VAWG)") != norm("Domestic Abuse")


def test_lists_pair_by_their_items_not_their_order():
    gold = [_list("priorities", "current", "A", "B", "C"), _list("cross_cutting_themes", "current", "X", "Y")]
    found = [_list("cross_cutting_themes", "current", "X", "Y"), _list("priorities", "current", "A", "B", "Q")]
    pairs, lost, extra = pair_lists(gold, found)
    assert [(g.role, f.role) for g, f in pairs] == [("cross_cutting_themes", "cross_cutting_themes"),
                                                   ("priorities", "priorities")]
    assert lost == [] and extra == []
    # under half the items shared: no pair
    pairs, lost, extra = pair_lists([_list("priorities", "current", "A", "B", "C")],
                                    [_list("priorities", "current", "A", "P", "Q", "R")])
    assert pairs == [] and len(lost) == 1 and len(extra) == 1


def test_score_counts_every_field_and_lists_every_miss():
    gold = [
        _doc("p1", _list("priorities", "proposed", "A", "B", "C", start=D(2024, 4, 1), details={"A": "about a"}),
             meeting=D(2024, 1, 29)),
        _doc("p2", _list("police_plan", "current", "P1", "P2"), kind="other"),
        _doc("p3", kind="agenda_pack", lookalikes=("Corporate priorities",)),
        _doc("p4", _list("priorities", "current", "Z1", "Z2")),  # not loaded
    ]
    found = {
        "p1": _doc("p1", _list("priorities", "current", "A", "B", "D", start=D(2024, 4, 1), details={"A": "about a"}),
                   meeting=D(2024, 1, 29)),
        "p2": _doc("p2", _list("priorities", "current", "P1", "P2"), kind="other"),  # another body's, taken as ours
        "p3": _doc("p3", _list("other", "current", "x", "y", heading="Corporate priorities 2024"),
                   _list("priorities", "current", "m", "n", heading="Members"), kind="minutes"),
    }
    report = score(gold, found)
    t = report.tallies
    assert report.papers == 4 and report.unscored == ["p4"]
    assert (t["kind"].tp, t["kind"].fp, t["kind"].fn) == (2, 2, 2)
    assert (t["meeting_date"].tp, t["meeting_date"].fp, t["meeting_date"].fn) == (1, 0, 0)
    assert (t["lists found"].tp, t["lists found"].fp, t["lists found"].fn) == (2, 1, 1)  # p3's lookalike is not an FP
    assert (t["role"].tp, t["stance"].tp) == (1, 1)
    assert (t["items"].tp, t["items"].fp, t["items"].fn) == (4, 3, 3)
    assert (t["details"].tp, t["details"].fp, t["details"].fn) == (1, 0, 0)
    assert sorted(report.invented) == [("p2", "h (a police_plan list taken as priorities)"), ("p3", "Members")]
    assert ("p1", "items", "missing 'C' ('h')") in report.misses and ("p1", "items", "extra 'D' ('h')") in report.misses
    # by role: p1's priorities right; p2's police plan taken as priorities; p3's extra list; p4 not loaded
    by_role = {role: (t.tp, t.fp, t.fn) for role, t in report.by_role.items()}
    assert by_role == {"priorities": (1, 2, 1), "police_plan": (0, 0, 1)}  # p3's lookalike counts nowhere


def test_claims_pair_by_their_words_and_score_their_type():
    said = "Although the plan was refreshed, the strategic priorities identified have not changed."
    gold = [DocRecord("p", "minutes", None, None, None, (), (), (
        ClaimRecord("none", said),
        ClaimRecord("removed", "The assessment cut the number of priorities, passing some up to the board."),
    ))]
    found = {"p": DocRecord("p", "minutes", None, None, None, (), (), (
        ClaimRecord("changed", "the strategic priorities identified have not changed."),  # shorter, same words
        ClaimRecord("none", "Minutes of the last meeting were agreed."),
    ))}
    t = score(gold, found).tallies
    assert (t["claims"].tp, t["claims"].fp, t["claims"].fn) == (1, 1, 1)
    assert (t["claim type"].tp, t["claim type"].fp, t["claim type"].fn) == (0, 1, 1)


def test_gold_files_and_the_command_line(tmp_path, capsys):
    from flows.cli import main

    (tmp_path / "gold").mkdir()
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "paper.txt").write_text(
        "Northvale Community Safety Partnership\n\nMinutes of the meeting of the Northvale Community Safety "
        "Partnership held on 4 March 2025\n\nThe Partnership agreed its priorities for 2025/26:\n\n"
        "- Burglary\n- Road safety\n\nCrime fell and victims were supported.\n", encoding="utf-8")
    (tmp_path / "gold" / "paper.yaml").write_text(yaml.safe_dump({
        "paper": "paper.txt", "kind": "minutes", "meeting_date": "2025-03-04",
        "committee": "Northvale Community Safety Partnership", "body": "Northvale",
        "lists": [{"role": "priorities", "stance": "current", "applies_from": "2025-04-01",
                   "applies_to": "2026-03-31", "items": [{"label": "Burglary"}, {"label": "Road safety"}]}],
    }), encoding="utf-8")
    ((_, record, paper),) = load_gold(tmp_path / "gold")
    assert paper == "paper.txt" and record.meeting_date == D(2025, 3, 4) and len(record.lists[0].items) == 2
    assert main(["eval", str(tmp_path / "gold"), "--db", str(tmp_path / "eval.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "Accuracy on" in out and "1 papers" in out
    assert "| items                |     2 |    0 |    0 |     1.000 |  1.000 | 1.000 |" in out
    assert "| meeting_date         |     1 |    0 |    0 |" in out
    # the warehouse built is read again as it is
    assert main(["eval", str(tmp_path / "gold"), "--db", str(tmp_path / "eval.duckdb"), "--quiet"]) == 0
    assert main(["eval", str(tmp_path / "nowhere")]) == 2
    assert "no gold files" in capsys.readouterr().err
