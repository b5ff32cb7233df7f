"""Rule-based date finding on spacy.blank("en") with Matcher patterns kept as data.

Returns spans with a normalised date (or a start/end pair for ranges and
fiscal spans) and the character offsets in the text they were found in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from extractors.limits import default_limits
from extractors.rulebook import load_jsonl

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_TOKEN_MACROS = {
    "MONTH": {"LOWER": {"IN": sorted(MONTHS)}},
    "YEAR": {"TEXT": {"REGEX": r"^(19|20)\d\d$"}},
    "DAY": {"TEXT": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?$"}},
}


@dataclass(frozen=True)
class DateSpan:
    label: str  # DATE, MONTH, RANGE, FISCAL
    start: dt.date
    end: dt.date | None  # for RANGE and FISCAL
    text: str
    char_start: int
    char_end: int


@cache
def _nlp_and_matcher():
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    # spaCy's own cap (1,000,000 characters) guards its parser's memory; this pipeline only tokenizes,
    # and our limit on a paper's text is the one that applies.
    nlp.max_length = max(nlp.max_length, default_limits().max_text_bytes)
    matcher = Matcher(nlp.vocab)
    for i, rule in enumerate(load_jsonl("date_patterns.jsonl")):
        pattern = [_TOKEN_MACROS[tok] if isinstance(tok, str) else tok for tok in rule["pattern"]]
        matcher.add(f"{rule['label']}#{i}", [pattern], greedy="LONGEST")
    return nlp, matcher


@cache
def _needs_year() -> re.Pattern[str] | None:
    """What every date pattern needs somewhere in the text: a year (19xx or 20xx), or None when a
    pattern in date_patterns.jsonl can match without one (then every text is tokenized)."""
    def year(tok) -> bool:
        text = tok.get("TEXT") if isinstance(tok, dict) else None
        return tok == "YEAR" or (isinstance(text, dict) and "(19|20)" in str(text.get("REGEX", "")))

    if all(any(year(tok) for tok in rule["pattern"]) for rule in load_jsonl("date_patterns.jsonl")):
        return re.compile(r"(?:19|20)\d\d")
    return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _parse_single(tokens: list[str], at_end: bool = False) -> dt.date | None:
    day = month = year = None
    for tok in tokens:
        low = tok.lower().rstrip(".")
        if low in MONTHS and month is None:
            month = MONTHS[low]
        elif re.fullmatch(r"(19|20)\d\d", tok):
            year = int(tok)
        elif re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", tok) and day is None:
            day = int(re.match(r"\d+", tok).group())
    if month is None or year is None:
        return None
    if day is None:
        return _month_end(year, month) if at_end else dt.date(year, month, 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _fiscal(text: str) -> tuple[dt.date, dt.date] | None:
    """'2014-17', '2011/12', '2011/14', '2022-2025', '2023 to 2026', 'between 2018 and 2023': UK financial
    years, April to March."""
    text = re.sub(r"(?i)^(?:between|from)\s+|\s+(?:to|until|and)\s+(?=(?:19|20)\d\d$)", lambda m: "" if m.start() == 0
                  else "-", text.strip())
    match = re.fullmatch(r"((?:19|20)\d\d)\s*[/–-]\s*(\d\d|(?:19|20)\d\d)", text.replace(" ", ""))
    if not match:
        return None
    first = int(match.group(1))
    second = match.group(2)
    last = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
    if last < first:
        last += 100
    if last - first > 10 or last == first:
        return None
    return dt.date(first, 4, 1), dt.date(last, 3, 31)


def find_dates(text: str) -> list[DateSpan]:
    nlp, matcher = _nlp_and_matcher()
    if len(text) > nlp.max_length:
        raise default_limits().refuse(f"too large for one paper: a passage of {len(text):,} characters",
                                      "max_text_bytes")
    needs = _needs_year()
    if needs is not None and not needs.search(text):
        return []  # no pattern can match: the text is not tokenized
    doc = nlp(text)
    from spacy.util import filter_spans

    spans = []
    for match_id, start, end in matcher(doc):
        span = doc[start:end]
        span.label_ = nlp.vocab.strings[match_id].split("#")[0]
        spans.append(span)
    out: list[DateSpan] = []
    for span in sorted(filter_spans(spans), key=lambda s: s.start):
        tokens = [t.text for t in span]
        label = span.label_
        if label == "RANGE":
            split = next(i for i, t in enumerate(tokens) if t.lower() in ("to", "-", "–", "until", "till"))
            start = _parse_single(tokens[:split])
            end = _parse_single(tokens[split + 1 :], at_end=True)
            if start is None or end is None:
                continue
            out.append(DateSpan("RANGE", start, end, span.text, span.start_char, span.end_char))
        elif label == "NUMERIC":  # '29/01/2024': day, month, year as committee systems print them
            day, month, year = (int(x) for x in span.text.split("/"))
            try:
                out.append(DateSpan("DATE", dt.date(year, month, day), None, span.text, span.start_char, span.end_char))
            except ValueError:
                continue
        elif label == "FISCAL":
            fiscal = _fiscal(span.text)
            if fiscal is not None:
                out.append(DateSpan("FISCAL", fiscal[0], fiscal[1], span.text, span.start_char, span.end_char))
        else:
            date = _parse_single(tokens)
            if date is not None:
                out.append(DateSpan(label, date, None, span.text, span.start_char, span.end_char))
    return out
