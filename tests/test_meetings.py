"""What committee-system pages and reports say about their meeting, and what kind of paper they are,
on small papers written for the test in the shapes councils publish (issue 13)."""

import datetime as dt

import pytest

from extractors.dates import find_dates
from extractors.pipeline import extract_document
from extractors.readers import UnreadableDocument, read_document
from extractors.relevance import check_relevance

D = dt.date
TOPIC = "\n\nThe partnership discussed crime, anti-social behaviour and support for victims.\n"


def _meta(text: str, name: str = "page.txt"):
    return extract_document(text.encode(), name).metadata


@pytest.mark.parametrize(("text", "kind", "date", "committee"), [
    # a ModernGov "Agenda and minutes" page saved as text
    ("Agenda and minutes\n\nNorthvale Community Safety Partnership - Tuesday, 26th June, 2012 4.00 pm\n\n"
     "Minutes:\n\nThe minutes of the meeting held on 1 March 2012 were agreed as a correct record." + TOPIC,
     "minutes", D(2012, 6, 26), "Northvale Community Safety Partnership"),
    # an issue page: the meeting line names date and committee; the previous meeting is not it
    ("Issue - meetings\n\nCommunity Safety Plan\n\nMeeting: 29/01/2024 - Cabinet (Item 43)\n\nMinutes:\n\n"
     "Members noted the minutes of the meeting held on 9 October 2023." + TOPIC, "minutes", D(2024, 1, 29), "Cabinet"),
    # an issue page that shows only resolutions is a decision
    ("Issue - meetings\n\nCommunity Safety Plan\n\nMeeting: 17/05/2023 - Assembly (Item 12)\n\nDecision:\n\n"
     "That the plan be approved." + TOPIC, "decision", D(2023, 5, 17), "Assembly"),
    # a decision page
    ("Decision details\n\nCommunity Safety Plan 2022-2027\n\nDecision Maker: Cabinet\n\nDecision:\n\n"
     "1) That the plan be endorsed.\n\nDate of decision: 21/09/2022" + TOPIC, "decision", D(2022, 9, 21), "Cabinet"),
    # an agenda: its date line under the partnership's name; "the minutes of the meeting held on" is an item
    ("NORTHVALE COMMUNITY SAFETY PARTNERSHIP\n\nTHURSDAY, 23 JANUARY 2020 AT 1.30PM IN COMMITTEE ROOM 1\n\nAGENDA\n\n"
     "1. APOLOGIES\n\n2. MINUTES\n\nTo approve the minutes of the meeting held on 10 October 2019." + TOPIC,
     "agenda_pack", D(2020, 1, 23), "NORTHVALE COMMUNITY SAFETY PARTNERSHIP"),
    # a report's cover fields
    ("Agenda Item 6\n\nCommittee:\tOverview and Scrutiny\nDate:\t19th February 2018\nReport Title:\tCommunity Safety"
     + TOPIC, "committee_report", D(2018, 2, 19), "Overview and Scrutiny"),
    # "Report to: Cabinet, 9th March 2009 and Council 24th March 2009": the first meeting
    ("Report: Community Safety Plan 2009-12\n\nReport to: Cabinet, 9th March 2009 and Council 24th March 2009\n\n"
     "1. Purpose\n\nTo set out the priorities." + TOPIC, "committee_report", D(2009, 3, 9), "Cabinet"),
    # a report whose first line is its committee, its date in a cover field
    ("# Communities and Safer Streets Committee\n\n**Agenda Item 9**\n\n| Subject: | Community Safety Plan update |\n"
     "| Date of meeting: | 4th March 2024 |\n\n## 1. Purpose of the report" + TOPIC,
     "committee_report", D(2024, 3, 4), "Communities and Safer Streets Committee"),
    # minutes headed by the panel's name and 'Minutes'; the part after a spaced dash that names a board
    ("# Northvale Police and Crime Panel Minutes\n\n**Date:** Tuesday, 6th July, 2021\n\n## Attendance" + TOPIC,
     "minutes", D(2021, 7, 6), "Northvale Police and Crime Panel"),
    ("# Partnership for Northvale - SNP Executive Board\n\n| Date: | 4th June 2010 |\n| Item number | 3B |\n\n"
     "## Purpose of report" + TOPIC, "committee_report", D(2010, 6, 4), "SNP Executive Board"),
    # a meeting summary: the committee's line, then the date with the meeting's times
    ("Meeting Details\n\nMeeting Summary\n\nOverview and Scrutiny Committee\n\n18 Jul 2024 - 18:30 to 21:18\n\n"
     "Apologies were received." + TOPIC, "minutes", D(2024, 7, 18), "Overview and Scrutiny Committee"),
    # a decision page's heading names the issue, not a committee; a council is not its committee
    ("Issue - decisions\n\nCommittee Referral - Community Safety Partnership\n\n09/06/2016 - Community Safety "
     "Partnership\n\nResolved -\n\n(1) That the priorities be approved." + TOPIC, "decision", D(2016, 6, 9), None),
    ("Northvale Borough Council\n\nDate of meeting: 5 May 2022\n\nPurpose of the report" + TOPIC,
     "committee_report", D(2022, 5, 5), None),
])
def test_meeting_committee_and_kind_from_the_header(text, kind, date, committee):
    meta = _meta(text)
    assert (meta.doc_kind, meta.meeting_date, meta.committee) == (kind, date, committee)


def test_a_month_heading_is_not_a_meeting_date_nor_is_a_plan_page_tied_to_one():
    report = _meta("# Northvale Community Safety Partnership\n\n**March 2024**\n\n## 1.0 Purpose of this Report\n\n"
                   "1.1 This report updates Members." + TOPIC, "update.md")
    assert report.meeting_date is None and report.doc_kind == "committee_report"
    page = _meta("Skip to main content\n\nCommunity safety partnership plan 2023 to 2026\n\nThe partnership plan "
                 "sets out how partners will make the borough safer." + TOPIC)
    assert (page.doc_kind, page.meeting_date) == ("agreement", None)


def test_an_html_committee_page_gives_its_meeting_from_the_title_and_header():
    page = (b"<!DOCTYPE html><html><head><title>Agenda for Northvale Community Safety Partnership on Wednesday, "
            b"21st January, 2015, 10.30 a.m. - Northvale Council</title></head><body><div id='modgov'>"
            b"<h1>Agenda and minutes</h1><h2>Northvale Community Safety Partnership - Wednesday, 21 January 2015 "
            b"10.30 a.m.</h2><p>Minutes:</p><p>Apologies were received. Crime and anti-social behaviour fell; "
            b"victims were supported.</p></div></body></html>")
    meta = extract_document(page, "meeting.html").metadata
    assert (meta.doc_kind, meta.meeting_date, meta.committee) == (
        "minutes", D(2015, 1, 21), "Northvale Community Safety Partnership")


def test_numeric_dates_and_year_spans_in_words():
    assert [(d.start, d.end) for d in find_dates("Meeting: 29/01/2024 - Cabinet")] == [(D(2024, 1, 29), None)]
    assert [(d.start, d.end) for d in find_dates("The priorities for 2023 to 2026")] == [
        (D(2023, 4, 1), D(2026, 3, 31))]
    assert [(d.start, d.end) for d in find_dates("Between 2018 and 2023, partners will")] == [
        (D(2018, 4, 1), D(2023, 3, 31))]
    assert [(d.start, d.end) for d in find_dates("In 2018 and 2019 crime fell")] == []  # two years, not a span


def test_relevance_takes_a_partnerships_own_page_and_refuses_software_documentation():
    minutes = read_document(b"Northvale Community Safety Partnership\n\nElection of chairs and terms of reference "
                            b"were agreed by the board.\n", "m.txt")
    check_relevance(minutes)  # one topic term, but the partnership is named at the top
    readme = read_document(b"# csa-timeline\n\nTurns Community Safety Partnership papers about crime, policing and "
                           b"victims into a council warehouse.\n\n```sh\nmake run\nmake test\n```\n\n"
                           b"    .venv/bin/csa build\n    .venv/bin/csa sql \"SELECT 1\"\n", "README.md")
    with pytest.raises(UnreadableDocument, match="reads as software documentation"):
        check_relevance(readme)
