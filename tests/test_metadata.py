"""Document metadata and dated mentions; values checked by hand against each seed."""

import datetime as dt

import pytest
from conftest import seed

D = dt.date

EXPECTED = {
    "000": dict(title="Kent Community Safety Agreement Update", doc_kind="committee_report",
                meeting_date=D(2020, 3, 18), status=None, version_label=None, effective_from=None),
    "001": dict(title="Kent Community Safety Agreement", doc_kind="agreement", meeting_date=None,
                status="draft", version_label="6.0", effective_from=D(2022, 4, 1)),
    "002": dict(title="Kent Community Safety Agreement Update", doc_kind="committee_report",
                meeting_date=D(2025, 11, 20), status=None, version_label=None, effective_from=None),
    "003": dict(title="Kent Community Safety Agreement", doc_kind="committee_report",
                meeting_date=D(2014, 10, 14), status=None, version_label=None, effective_from=None),
    "004": dict(title="CUSTOMER AND COMMUNITIES POSC (MEETING AS THE CRIME AND DISORDER COMMITTEE)",
                doc_kind="agenda_pack", meeting_date=D(2011, 7, 8), status=None, version_label=None,
                effective_from=None),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_document_metadata(parsed, prefix):
    meta = parsed(seed(prefix)).metadata
    assert {k: getattr(meta, k) for k in EXPECTED[prefix]} == EXPECTED[prefix]


def _dates(parsed, prefix, role):
    return [(d.date, d.line) for d in parsed(seed(prefix)).dates if d.role == role]


def test_running_footer_year_is_not_the_drafts_date(parsed):
    extracted = parsed(seed("001"))
    footer_dates = [d for d in extracted.dates if d.line == 1400]
    assert [(d.date, d.role) for d in footer_dates] == [(D(2017, 4, 1), "other")]
    assert extracted.metadata.effective_from == D(2022, 4, 1)


def test_effective_dates_including_wrapped_foreword_sentence(parsed):
    # "which takes effect from" / "1st April 2022." sit on lines 74 and 76 of the rendition.
    assert (D(2022, 4, 1), 76) in _dates(parsed, "001", "effective")
    assert (D(2019, 4, 1), 26) in _dates(parsed, "001", "effective")  # "Effective date changed to April 2019"


def test_agreement_periods(parsed):
    assert (D(2011, 4, 1), 280) in _dates(parsed, "004", "period_start")  # "April 2011 to March 2014"
    assert (D(2014, 3, 31), 280) in _dates(parsed, "004", "period_end")
    assert (D(2014, 4, 1), 15) in _dates(parsed, "003", "period_start")  # "the CSA for 2014-17"
    assert (D(2017, 3, 31), 15) in _dates(parsed, "003", "period_end")


def test_police_plan_period_is_not_the_agreements(parsed):
    # 000 line 63: the Police and Crime Plan "April 2017 to March 2021".
    assert _dates(parsed, "000", "period_start") == []
    assert (D(2017, 4, 1), 63) in _dates(parsed, "000", "other")


def test_approved_and_meeting_roles(parsed):
    assert (D(2011, 5, 20), 226) in _dates(parsed, "004", "approved")  # "approved on 20 May 2011"
    assert (D(2009, 12, 10), 71) in _dates(parsed, "004", "approved")
    assert _dates(parsed, "004", "meeting") == [(D(2011, 7, 8), 6), (D(2011, 7, 8), 214)]
    # "the next meeting on 27 January 2026" is neither this paper's meeting nor an approval
    assert (D(2026, 1, 27), 85) in _dates(parsed, "002", "other")
