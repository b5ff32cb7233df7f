"""Group cleaned lines into blocks: headings, bullet items, paragraphs, tables.

Both readers (text and PDF) produce `Line`s with layout hints; this module is
the single place that decides what those lines are, so the two paths agree.
The thresholds and patterns live in rules/layout.yaml.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from extractors.model import Block, Line, TableRow
from extractors.rulebook import load_yaml

_TRAILING_COUNT = re.compile(r"^(?P<label>.*\S)\s+(?P<count>\d{1,3})$")
_LONE_COUNT = re.compile(r"^\d{1,3}$")
_URL_ONLY = re.compile(r"^(?:https?://|www\.|mailto:)\S+$")


@dataclass(frozen=True)
class LayoutRules:
    section_number: re.Pattern[str]
    list_number: re.Pattern[str]
    heading_max_words: int
    heading_end_forbidden: re.Pattern[str]
    label_max_words: int
    plain_list_max_median_words: float
    heading_prefix: re.Pattern[str]
    labelled_number: re.Pattern[str]
    bare_number: re.Pattern[str]


@cache
def layout_rules() -> LayoutRules:
    raw = load_yaml("layout.yaml")
    return LayoutRules(
        section_number=re.compile(raw["section_number"]),
        list_number=re.compile(raw["list_number"]),
        heading_max_words=int(raw["heading_max_words"]),
        heading_end_forbidden=re.compile(raw["heading_end_forbidden"]),
        label_max_words=int(raw["label_max_words"]),
        plain_list_max_median_words=float(raw["plain_list_max_median_words"]),
        heading_prefix=re.compile(raw["heading_prefix"]),
        labelled_number=re.compile(raw["labelled_number"], re.I),
        bare_number=re.compile(raw["bare_number"]),
    )


def _words(text: str) -> int:
    return len(text.split())


def _starts_upper(text: str) -> bool:
    first = text.lstrip("‘'\"(")[:1]
    return first.isupper() or first.isdigit()


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", ";", ":", ":-", "?", "!"))


def _is_lead_in(text: str) -> bool:
    return text.rstrip().endswith((":", ":-"))


def _title_like(text: str, max_words: int) -> bool:
    rules = layout_rules()
    return (
        0 < _words(text) <= max_words
        and _starts_upper(text)
        and not rules.heading_end_forbidden.search(text)
        and not re.search(r"@|https?:|www\.", text)
    )


def join_lines(texts: Sequence[str]) -> str:
    """Join wrapped lines; a hyphen at a line end keeps its word together."""
    return join_lines_with_offsets(texts)[0]


def join_lines_with_offsets(texts: Sequence[str]) -> tuple[str, list[int]]:
    """Join wrapped lines and say where each line's text starts in the result (-1 if empty)."""
    out = ""
    offsets: list[int] = []
    for text in texts:
        text = text.strip()
        if not text:
            offsets.append(-1)
            continue
        if out and not (out.endswith("-") and out[-2:-1].isalpha() and text[:1].islower()):
            out += " "
        offsets.append(len(out))
        out += text
    return out, offsets


def line_at_offset(lines: Sequence[Line], offsets: Sequence[int], char: int) -> Line:
    """The line a character of joined text (see join_lines_with_offsets) was printed on."""
    return lines[line_index_at_offset(offsets, char)]


def line_index_at_offset(offsets: Sequence[int], char: int) -> int:
    """Index of the last line starting at or before `char` (0 if none). A binary search (offsets rise,
    but for -1 holes where a line was empty), so a paragraph of thousands of lines costs little per lookup."""
    lo, hi, best = 0, len(offsets), 0
    while lo < hi:
        mid = (lo + hi) // 2
        j = mid
        while j >= lo and offsets[j] < 0:
            j -= 1
        if j < lo:
            lo = mid + 1
        elif offsets[j] <= char:
            best, lo = j, mid + 1
        else:
            hi = j
    return best


def _section_number(text: str) -> tuple[str | None, str]:
    match = layout_rules().section_number.match(text)
    if not match or not _starts_upper(match.group("rest")):
        return None, text  # "3 year rolling plan" on a wrapped line is not section 3
    return match.group("num"), match.group("rest")


def _number_depth(number: str) -> int:
    parts = [p for p in number.rstrip(".").split(".") if p]
    while len(parts) > 1 and parts[-1].strip("0") == "":
        parts.pop()  # "4.0" is a chapter, like "4."
    return len(parts)


@dataclass
class _Open:
    kind: str
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    number: str | None = None
    marker: str | None = None


def _make_block(open_: _Open) -> Block:
    lines = open_.lines
    texts = [ln.text for ln in lines]
    text = join_lines(texts)
    if open_.kind == "bullet" and open_.number is None:
        num, _ = _section_number(text)
        open_.number = num
    return Block(
        kind=open_.kind,  # type: ignore[arg-type]
        text=text,
        page=lines[0].page,
        line_start=lines[0].number,
        line_end=lines[-1].number,
        source_text="\n".join(ln.raw for ln in lines),
        level=open_.level,
        number=open_.number,
        marker=open_.marker,
        lines=tuple(lines),
    )


def _table_block(rows: list[tuple[tuple[str, ...], list[Line]]]) -> Block:
    width = max(len(cells) for cells, _ in rows)
    table_rows = tuple(
        TableRow(
            cells=tuple(cells) + ("",) * (width - len(cells)),
            page=lines[0].page,
            line=lines[0].number,
            source_text="\n".join(ln.raw for ln in lines),
        )
        for cells, lines in rows
    )
    all_lines = [ln for _, lines in rows for ln in lines]
    return Block(
        kind="table",
        text="\n".join(" | ".join(r.cells) for r in table_rows),
        page=all_lines[0].page,
        line_start=all_lines[0].number,
        line_end=all_lines[-1].number,
        source_text="\n".join(ln.raw for ln in all_lines),
        rows=table_rows,
        lines=tuple(all_lines),
    )


def _count_table(run: Sequence[Line]) -> Block | None:
    """An unruled two-column table whose second column is a count.

    Labels may wrap over several lines and the count may sit alone on the line
    after the label, as PDF text extraction leaves it.
    """
    rows: list[tuple[tuple[str, ...], list[Line]]] = []
    pending: list[Line] = []
    header: list[Line] = []
    for line in run:
        text = line.text
        lone = _LONE_COUNT.match(text)
        trailing = _TRAILING_COUNT.match(text)
        if lone and pending:
            rows.append(((join_lines([p.text for p in pending]), text), [*pending, line]))
            pending = []
        elif trailing and not lone:
            label = join_lines([p.text for p in pending] + [trailing.group("label")])
            rows.append(((label, trailing.group("count")), [*pending, line]))
            pending = []
        else:
            if not rows:
                header.append(line)
            else:
                pending.append(line)
    if len(rows) < 3:
        return None  # lines after the last count row are left to the caller
    if header:
        # Header cells: the first line names the label column, the rest the count column.
        head_cells = (header[0].text, join_lines([h.text for h in header[1:]]))
        rows.insert(0, (head_cells, header))
    return _table_block(rows)


def _plain_list_items(run: Sequence[Line]) -> list[list[Line]] | None:
    """Lines after a lead-in ending in ':' that form a list with no bullet glyphs."""
    if len(run) < 2:
        return None
    if any(ln.marker is not None or ln.cells is not None or ln.heading_level or ln.indent == 1 for ln in run):
        return None  # glyphs (or lost glyphs) are there: the ordinary bullet rules apply
    if any(ln.text.rstrip().endswith(".") for ln in run):
        return None
    if statistics.median(_words(ln.text) for ln in run) > layout_rules().plain_list_max_median_words:
        return None
    items: list[list[Line]] = []
    for line in run:
        if _starts_upper(line.text) or layout_rules().list_number.match(line.text) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return items if len(items) >= 2 else None


def _run_until_break(lines: Sequence[Line], start: int) -> list[Line]:
    run = []
    for line in lines[start:]:
        if line.blank or line.cells is not None or _URL_ONLY.match(line.text):
            break
        run.append(line)
    return run


def build_blocks(lines: Sequence[Line]) -> tuple[Block, ...]:
    """Turn a document's lines (furniture included, and skipped) into blocks."""
    rules = layout_rules()
    flow = [ln for ln in lines if not ln.furniture]
    blocks: list[Block] = []
    current: _Open | None = None
    after_break = True  # a paragraph break precedes the line being read
    prev: Line | None = None  # previous content line
    prev_kind: str | None = None  # how `prev` was classified
    i = 0

    def close() -> None:
        nonlocal current
        if current is not None and current.lines:
            blocks.append(_make_block(current))
        current = None

    while i < len(flow):
        line = flow[i]
        if line.blank:
            close()
            after_break = True
            i += 1
            continue

        nxt = flow[i + 1] if i + 1 < len(flow) else None
        before_break = nxt is None or nxt.blank
        text = line.text

        # A column of bare numbers, then as many label lines: one numbered item per pair.
        column = _number_column(flow, i)
        if column:
            close()
            numbers, labels = column
            for number_line, label in zip(numbers, labels, strict=True):
                blocks.append(_make_block(_Open("bullet", [label], level=0, marker=number_line.text)))
            i += 2 * len(numbers)
            prev, prev_kind, after_break = labels[-1], "numbered_item", False
            continue

        # Tables: tab/pipe rows or PDF table rows, consecutive.
        if line.cells is not None:
            close()
            rows: list[tuple[tuple[str, ...], list[Line]]] = []
            while i < len(flow) and flow[i].cells is not None:
                rows.append((flow[i].cells, [flow[i]]))  # type: ignore[arg-type]
                i += 1
            blocks.append(_table_block(rows))
            prev, prev_kind, after_break = rows[-1][1][0], "table", False
            continue

        # Unruled count tables start a run.
        if after_break:
            table = _count_table(_run_until_break(flow, i))
            if table is not None:
                close()
                blocks.append(table)
                i += len(table.lines)
                prev, prev_kind, after_break = table.lines[-1], "table", False
                continue

        # Plain lists after a lead-in line ending in ':'.
        if _is_lead_in(text) and line.marker is None:
            run = _run_until_break(flow, i + 1)
            items = _plain_list_items(run)
            if items is not None:
                if current is not None and current.kind == "paragraph" and not after_break:
                    current.lines.append(line)
                    close()
                else:
                    close()
                    is_label = _title_like(text, rules.label_max_words) and line.indent != 1
                    kind = "heading" if is_label else "paragraph"
                    blocks.append(_make_block(_Open(kind, [line], level=4 if is_label else 0)))
                for item in items:
                    blocks.append(_make_block(_Open("bullet", item, level=0, marker="")))
                i += 1 + sum(len(item) for item in items)
                prev, prev_kind, after_break = flow[i - 1], "bullet_plain", False
                continue

        kind = _classify(line, prev, prev_kind, after_break, before_break, nxt, flow[i + 1: i + 6])

        if kind == "continue" and current is not None:
            current.lines.append(line)
        elif kind == "heading":
            close()
            number, _ = _section_number(text)
            level = line.heading_level or (_number_depth(number) if number else (3 if line.bold else 4))
            current = _Open("heading", [line], level=level, number=number)
            # A large-print heading wrapped over several lines (a markdown '#' line is always whole).
            while (
                nxt is not None
                and line.heading_level
                and nxt.heading_level == line.heading_level
                and not line.raw.lstrip().startswith("#")
            ):
                current.lines.append(nxt)
                i += 1
                nxt = flow[i + 1] if i + 1 < len(flow) else None
            # A heading wrapped onto a second short line.
            while (
                nxt is not None
                and not nxt.blank
                and nxt.marker is None
                and nxt.cells is None
                and line.heading_level == 0
                and _section_number(nxt.text)[0] is None
                and _title_like(nxt.text, 5)
                and _words(text) + _words(nxt.text) <= rules.heading_max_words + 2
                and (i + 2 >= len(flow) or flow[i + 2].blank)
            ):
                current.lines.append(nxt)
                i += 1
                nxt = flow[i + 1] if i + 1 < len(flow) else None
            close()
        elif kind in ("bullet", "bullet_lost", "numbered_item", "sub_item"):
            close()
            marker = line.marker if line.marker is not None else ""
            if kind == "numbered_item":
                marker = _section_number(text)[0] or ""
            level = 1 if kind == "sub_item" else _bullet_level(line)
            current = _Open("bullet", [line], level=level, marker=marker)
        else:  # new paragraph (or a continuation with nothing open)
            close()
            number, _ = _section_number(text)
            current = _Open("paragraph", [line], number=number)
        prev, prev_kind = line, (kind if kind != "continue" else prev_kind)
        after_break = False
        i += 1
    close()
    return tuple(blocks)


def _number_column(flow: Sequence[Line], i: int) -> tuple[list[Line], list[Line]] | None:
    """'1)' '2)' '3)' on their own lines, then three label lines: (number lines, label lines), or None."""
    rules = layout_rules()
    numbers: list[Line] = []
    j = i
    while j < len(flow) and not flow[j].blank and rules.bare_number.match(flow[j].text):
        expected = str(len(numbers) + 1)
        if re.sub(r"\D", "", flow[j].text) != expected:
            return None
        numbers.append(flow[j])
        j += 1
    if len(numbers) < 2:
        return None
    labels = list(flow[j: j + len(numbers)])
    if len(labels) < len(numbers) or any(
        ln.blank or ln.cells is not None or rules.bare_number.match(ln.text) or _words(ln.text) > 12
        or ln.text.rstrip().endswith(".") for ln in labels
    ):
        return None
    return numbers, labels


def _bullet_level(line: Line) -> int:
    return min(line.indent // 2, 4) if line.marker not in (None, "") else 0


_LETTERED = re.compile(r"^\(?[a-z][.)]\s+\S")
_TOP_NUMBER = re.compile(r"^\(?(\d{1,2})[.)]\s+\S")


def _continues_numbering(text: str, following: Sequence[Line]) -> bool:
    """'1. Anti Social Behaviour' followed (past lettered sub-items) by '2. ...': a numbered list."""
    match = _TOP_NUMBER.match(text)
    if not match:
        return False
    for line in following:
        if line.blank or line.cells is not None:
            return False
        if _LETTERED.match(line.text):
            continue
        nxt = _TOP_NUMBER.match(line.text)
        return nxt is not None and int(nxt.group(1)) == int(match.group(1)) + 1
    return False


def _classify(
    line: Line,
    prev: Line | None,
    prev_kind: str | None,
    after_break: bool,
    before_break: bool,
    nxt: Line | None,
    following: Sequence[Line] = (),
) -> str:
    """Decide whether a line starts a heading, bullet or paragraph, or continues."""
    rules = layout_rules()
    text = line.text
    if line.heading_level:
        return "heading"
    if line.marker is not None:
        return "bullet"
    if _URL_ONLY.match(text):
        return "paragraph"
    if rules.heading_prefix.match(text) and _words(text) <= rules.heading_max_words:
        return "heading"
    after_lead_in = prev is not None and _is_lead_in(prev.text)
    if rules.labelled_number.match(text) and _words(text) <= 25:
        return "numbered_item"  # "Priority 1: Reducing Crime"
    if rules.list_number.match(text) and (
        prev is None
        or after_break
        or after_lead_in
        or prev_kind in ("numbered_item", "heading")
        or rules.list_number.match(prev.text)
    ):
        return "numbered_item"  # "1) Violent crime", "(a) Early intervention"
    if line.indent == 1 and not _starts_upper(text) and (after_lead_in or prev_kind == "bullet_lost"):
        return "bullet_lost"  # a lost glyph before a lower-case item
    if _LETTERED.match(text) and prev_kind in ("numbered_item", "sub_item") and line.marker is None:
        return "sub_item"  # "a. Youths hanging around" under "1. Anti Social Behaviour"
    number, rest = _section_number(text)
    if number is not None:
        # "6. County Priorities" is a heading; "6.1. This section sets out ..." a paragraph.
        short = _title_like(rest, rules.heading_max_words) and not _is_lead_in(rest)
        next_is_numbered = nxt is not None and not nxt.blank and _section_number(nxt.text)[0] is not None
        if line.bold and short:
            return "heading"
        same_style = prev is not None and _section_number(prev.text)[0] is not None  # "2." after "1.", not "1)"
        if prev_kind == "numbered_item" and short and same_style:
            return "numbered_item"
        if short and not line.bold and not line.heading_level and _continues_numbering(text, following):
            return "numbered_item"
        if short and (before_break or line.bold or _title_like(nxt.text if nxt else "", 5)) and not next_is_numbered:
            return "heading"
        if short and ((prev_kind == "numbered_item" and same_style) or (next_is_numbered and after_break)):
            return "numbered_item"  # a numbered list such as a table of contents
        return "paragraph"
    if line.bold and _title_like(text, rules.heading_max_words) and (after_break or before_break):
        return "heading"
    if line.indent == 1 and _starts_upper(text):
        # A leading space where PDF extraction dropped a bullet glyph, or a page break.
        in_list = after_lead_in or prev_kind == "bullet_lost"
        if _title_like(text, 4) and not in_list:
            return "heading"
        if prev is None or after_break or _ends_sentence(prev.text) or in_list:
            return "bullet_lost"
    opens_numbered_list = nxt is not None and not nxt.blank and bool(rules.list_number.match(nxt.text))
    if after_break and _title_like(text, rules.label_max_words) and (
        before_break or _is_lead_in(text) or opens_numbered_list
    ):
        return "heading"  # a label standing alone, or one that opens a list
    if after_break or prev is None:
        return "paragraph"
    return "continue"
