"""`csa report`: one self-contained HTML page per warehouse (or one body of it) that opens offline.

For each body: a timeline picture (one lane per canonical item; its wordings over time; printed,
carried-forward and proposed-only spans drawn differently; renames marked, splits and merges drawn
as connectors between lanes; change windows and corpus gaps shaded), the change log with its
evidence and document/page/line, the audit's verdicts, and the corpus coverage (which papers,
which years). Charts are Vega-Lite specifications built with Altair and rendered to static SVG by
vl-convert, inlined: the page makes no network request (its Content-Security-Policy forbids any).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import altair as alt
import duckdb
import pandas as pd
import vl_convert as vlc

from normalisers import labels

BASIS_STYLE = {  # basis -> (fill, stroke, dash)
    "printed": ("#2b6cb0", "#2b6cb0", []),
    "carried_forward": ("#a3c4e8", "#6b9bd1", [4, 2]),
    "proposed_only": ("#ffffff", "#c05621", [3, 3]),
}
GAP_STYLE = {"nothing_in_force": "#bdbdbd", "no_paper": "#ececec"}


@dataclass(frozen=True)
class BodyReport:
    body: str
    chart: alt.VConcatChart  # its priorities and themes, one under the other
    svg: str
    lanes: dict[str, list[str]]  # kind -> lane labels, top to bottom


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def bodies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The bodies with a timeline (an undated list alone draws nothing)."""
    return [r[0] for r in con.execute("SELECT DISTINCT body FROM priority_timeline ORDER BY body").fetchall()]


def _name(body: str) -> str:
    return body or "(no body named)"


def lanes(con: duckdb.DuckDBPyConnection, body: str, kind: str) -> pd.DataFrame:
    """One row per canonical item of the body and kind, in the order of first appearance; `lane` is
    its latest wording (numbered where two items share one)."""
    frame = _df(con, """
        SELECT c.canonical_id, c.label, min(t.valid_from) AS first_from
        FROM canonical_items c JOIN priority_timeline t USING (canonical_id)
        WHERE c.body = ? AND c.kind = ?
        GROUP BY ALL ORDER BY first_from, c.label, c.canonical_id""", [body, kind])
    seen: dict[str, int] = {}
    names = []
    for label in frame["label"]:
        seen[label] = seen.get(label, 0) + 1
        names.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    frame["lane"] = names
    return frame


def _chart(con: duckdb.DuckDBPyConnection, body: str, kind: str, end: dt.date) -> tuple[alt.LayerChart, list[str]]:
    lane_frame = lanes(con, body, kind)
    lane_of = dict(zip(lane_frame["canonical_id"], lane_frame["lane"], strict=True))
    order = list(lane_frame["lane"])
    rows = _df(con, """
        SELECT t.canonical_id, t.label, t.valid_from, coalesce(t.valid_to, ?) AS valid_to, t.valid_to IS NULL AS open,
               t.basis, d.source_path, t.evidence_page, t.evidence_line
        FROM priority_timeline t JOIN documents d ON d.doc_id = t.evidence_doc
        WHERE t.body = ? AND t.kind = ? ORDER BY t.canonical_id, t.valid_from""", [end, body, kind])
    rows["lane"] = rows["canonical_id"].map(lane_of)
    rows["until"] = rows["valid_to"] + pd.Timedelta(days=1)
    # the wording, written where it first appears on its lane (case and '&' aside)
    rows["wording"] = rows["label"].map(labels.wording)
    shown = rows[rows["basis"] != "proposed_only"]
    words = shown[shown.groupby("canonical_id")["wording"].transform(lambda s: s != s.shift())]
    proposed = rows[rows["basis"] == "proposed_only"]
    changes = _df(con, """
        SELECT change_id, change_type, basis, effective_date, earliest, latest, canonical_ids
        FROM priority_changes WHERE body = ? AND kind = ? AND effective_date IS NOT NULL""", [body, kind])
    gaps = _df(con, "SELECT gap_from, gap_to, what FROM timeline_gaps WHERE body = ? AND kind = ?", [body, kind])
    gaps["until"] = gaps["gap_to"] + pd.Timedelta(days=1)
    windows = changes[changes["basis"] == "observed"].copy()
    windows["lane"] = windows["canonical_ids"].map(lambda ids: lane_of.get(ids[-1]) if len(ids) else None)
    windows = windows.dropna(subset=["lane"])
    windows["until"] = windows["latest"] + pd.Timedelta(days=1)
    marks = windows[windows["change_type"] == "renamed"]
    links = []
    for _, c in changes[changes["change_type"].isin(["split", "merged"])].iterrows():
        ids = [i for i in c["canonical_ids"] if i in lane_of]
        for other in ids[1:]:
            links.append({"date": c["effective_date"], "from_lane": lane_of[ids[0]], "to_lane": lane_of[other],
                          "change_type": c["change_type"]})
    links_frame = pd.DataFrame(links, columns=["date", "from_lane", "to_lane", "change_type"])

    x = alt.X("valid_from:T", title=None, axis=alt.Axis(format="%Y", tickCount="year", grid=True))
    y = alt.Y("lane:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    layers = []
    if not gaps.empty:
        layers.append(alt.Chart(gaps).mark_rect(opacity=0.6).encode(
            x=alt.X("gap_from:T"), x2="until:T",
            color=alt.Color("what:N", scale=alt.Scale(domain=list(GAP_STYLE), range=list(GAP_STYLE.values())),
                            legend=alt.Legend(title="corpus gap", orient="top"))))
    if not windows.empty:
        layers.append(alt.Chart(windows).mark_rect(color="#f6ad55", opacity=0.35, height={"band": 0.9}).encode(
            x=alt.X("earliest:T"), x2="until:T", y=y))
    style = dict(
        fill=alt.Fill("basis:N", scale=alt.Scale(domain=list(BASIS_STYLE), range=[s[0] for s in BASIS_STYLE.values()]),
                      legend=alt.Legend(title="how it is known", orient="top")),
        stroke=alt.Stroke("basis:N", scale=alt.Scale(domain=list(BASIS_STYLE),
                                                     range=[s[1] for s in BASIS_STYLE.values()]), legend=None),
        strokeDash=alt.StrokeDash("basis:N", scale=alt.Scale(domain=list(BASIS_STYLE),
                                                             range=[s[2] for s in BASIS_STYLE.values()]), legend=None),
    )
    layers.append(alt.Chart(shown).mark_bar(height={"band": 0.5}, strokeWidth=1.2).encode(
        x=x, x2="until:T", y=y, **style))
    if not words.empty:
        layers.append(alt.Chart(words).mark_text(align="left", baseline="bottom", dx=2, dy=-6, fontSize=9,
                                                 color="#333").encode(x="valid_from:T", y=y, text="label:N"))
    if not proposed.empty:  # a proposal never shown adopted: a dashed outline above its lane, with its wording
        layers.append(alt.Chart(proposed).mark_bar(height={"band": 0.22}, yOffset=-11, strokeWidth=1.2).encode(
            x=x, x2="until:T", y=y, **style))
        layers.append(alt.Chart(proposed).mark_text(align="left", baseline="middle", dx=2, dy=-11, fontSize=9,
                                                    color="#c05621").encode(x="valid_from:T", y=y, text="label:N"))
    if not marks.empty:
        layers.append(alt.Chart(marks).mark_point(shape="diamond", filled=True, size=70, color="#9c4221").encode(
            x=alt.X("effective_date:T"), y=y))
    if not links_frame.empty:
        layers.append(alt.Chart(links_frame).mark_rule(color="#9c4221", strokeWidth=2).encode(
            x=alt.X("date:T"), y=alt.Y("from_lane:N", sort=order), y2="to_lane:N"))
    chart = alt.layer(*layers).properties(
        title=f"{_name(body)}: {'priorities' if kind == 'priority' else 'cross-cutting themes'}",
        width=900, height=max(60, 34 * len(order)))
    return chart, order


def body_chart(con: duckdb.DuckDBPyConnection, body: str) -> tuple[alt.VConcatChart, dict[str, list[str]]]:
    end = con.execute("""SELECT max(x) FROM (
        SELECT max(valid_from) + 180 AS x FROM priority_timeline WHERE body = ?
        UNION ALL SELECT max(coalesce(meeting_date, effective_from)) FROM documents WHERE body = ?)""",
                      [body, body]).fetchone()[0]
    charts, shown = [], {}
    for kind in ("priority", "theme"):
        rows = con.execute("SELECT count(*) FROM priority_timeline WHERE body = ? AND kind = ?", [body, kind])
        if rows.fetchone()[0]:
            chart, order = _chart(con, body, kind, end)
            charts.append(chart)
            shown[kind] = order
    return alt.vconcat(*charts).resolve_scale(x="shared", color="shared", fill="shared"), shown


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p class='none'>None.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for v in row:
            listed = not isinstance(v, str) and hasattr(v, "__len__")  # lists arrive as numpy arrays
            if v is None or (not listed and pd.isna(v)):
                text = "NULL"
            elif listed:
                text = "; ".join(map(str, v))
            elif isinstance(v, pd.Timestamp):
                text = v.date().isoformat()
            else:
                text = str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em; color: #1a202c; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #cbd5e0; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: 12px; margin: .5em 0 1.5em; }
th, td { border: 1px solid #e2e8f0; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #edf2f7; } td { max-width: 60em; } .none { color: #718096; }
.chart svg { max-width: 100%; height: auto; } .key span { display: inline-block; margin-right: 1.5em; }
"""


def build(con: duckdb.DuckDBPyConnection, body: str | None = None) -> tuple[str, list[BodyReport]]:
    """The page, and per body the chart specification, its SVG and its lanes."""
    wanted = bodies(con) if body is None else [body]
    missing = [b for b in wanted if b not in bodies(con)]
    if missing:
        raise ValueError(f"no body {missing[0]!r} in this warehouse (it has: {', '.join(bodies(con)) or 'none'})")
    reports: list[BodyReport] = []
    parts = [f"<h1>Community safety priorities{': ' + html.escape(body) if body else ''}</h1>",
             "<p>Built from the warehouse by <code>csa report</code> on "
             f"{dt.date.today().isoformat()}. Every fact below is traced to the paper, page and line it came from."
             "</p><p class='key'><span><b>printed</b>: a paper of that period prints it</span>"
             "<span><b>carried forward</b>: no paper of that period, none contradicts it</span>"
             "<span><b>proposed only</b>: only a proposal shows it, never shown adopted</span>"
             "<span>diamonds: renamed; vertical rules: split or merged; orange: the window a change lies in; "
             "grey: corpus gaps</span></p>"]
    for b in wanted:
        chart, shown = body_chart(con, b)
        svg = vlc.vegalite_to_svg(chart.to_dict())
        reports.append(BodyReport(b, chart, svg, shown))
        changes = _df(con, """
            SELECT coalesce(CAST(c.effective_date AS VARCHAR), '') AS dated,
                   CAST(c.earliest AS VARCHAR) || ' .. ' || CAST(c.latest AS VARCHAR) AS window,
                   c.kind, c.change_type, c.basis, c.before_labels AS before, c.after_labels AS after,
                   c.linked_change_id AS linked_to, d.source_path AS paper, c.evidence
            FROM priority_changes c JOIN documents d USING (doc_id)
            WHERE c.body = ? ORDER BY coalesce(c.effective_date, c.latest), c.kind, c.change_id""", [b])
        audit = _df(con, """
            SELECT d.source_path AS paper, v.page, v.line, v.claim_date, v.text AS claim, a.verdict, a.explanation
            FROM version_claims v JOIN claim_audit a USING (claim_id) JOIN documents d USING (doc_id)
            WHERE d.body = ? AND a.verdict <> 'out_of_scope' ORDER BY d.source_path, v.page, v.line""", [b])
        coverage = _df(con, """
            SELECT d.source_path AS paper, d.doc_kind AS kind, coalesce(d.meeting_date, d.effective_from) AS dated,
                   d.title, count(l.list_id) FILTER (WHERE l.role IN ('priorities', 'cross_cutting_themes')) AS lists,
                   d.source_url
            FROM documents d LEFT JOIN lists l USING (doc_id)
            WHERE d.body = ? GROUP BY ALL ORDER BY dated NULLS LAST, paper""", [b])
        years = _df(con, """
            SELECT year(coalesce(meeting_date, effective_from)) AS year, count(*) AS papers
            FROM documents WHERE body = ? AND coalesce(meeting_date, effective_from) IS NOT NULL
            GROUP BY 1 ORDER BY 1""", [b])
        gaps = _df(con, "SELECT kind, gap_from, gap_to, days, what, reason FROM gaps WHERE body = ?", [b])
        parts += [f"<h2 id='{html.escape(b)}'>{html.escape(_name(b))}</h2>",
                  f"<div class='chart' data-body='{html.escape(b)}'>{svg}</div>",
                  "<h3>Changes, with the window each lies in and its evidence</h3>", _table(changes),
                  "<h3>The papers' own claims, audited</h3>", _table(audit),
                  "<h3>Corpus coverage</h3>", _table(coverage),
                  "<p>Papers by year: " + (", ".join(f"{int(r.year)}: {r.papers}" for r in years.itertuples())
                                            or "none dated") + "</p>",
                  "<h3>Gaps</h3>", _table(gaps)]
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>Community safety priorities{': ' + html.escape(body) if body else ''}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    return page, reports


def png(reports: list[BodyReport], scale: float = 1.5) -> bytes:
    """The timeline pictures as one PNG (the bodies one under another)."""
    charts = [r.chart for r in reports]
    spec = (charts[0] if len(charts) == 1 else alt.vconcat(*charts)).to_dict()
    return vlc.vegalite_to_png(spec, scale=scale)
