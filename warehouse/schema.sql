-- csa-timeline warehouse schema. One file, created in one place (warehouse/store.py).
-- Tables hold what was extracted; every fact carries its document, page and line.
-- Every table, view, macro and column is commented, so DESCRIBE and duckdb_columns() explain a
-- warehouse file handed on alone: the comment after a column (and any comment lines under it)
-- becomes its COMMENT ON COLUMN (warehouse/store.py reads them from this file); tables, views and
-- macros carry their own COMMENT ON.

CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,  -- first 16 hex digits of the file's SHA-256: stable across renames
    source_path    VARCHAR NOT NULL,     -- path relative to the corpus folder, file name kept
    title          VARCHAR,              -- "Subject:" line, else first substantial heading, else running header
    doc_kind       VARCHAR NOT NULL,     -- agenda_pack | minutes | committee_report | decision | agreement | other
    meeting_date   DATE,                 -- date of the meeting the paper is for, where stated (or, for a fetched paper that prints none, the committee system's)
    meeting_date_source VARCHAR,         -- printed (read off the paper) | committee_system (the paper prints none; the fetch manifest's meeting date) | NULL (no date)
    committee      VARCHAR,              -- the committee or meeting its header names ('Cabinet'), where stated (or, for a fetched paper that names none, the committee system's title)
    status         VARCHAR,              -- draft | final | NULL (from running headers/footers and the header block)
    version_label  VARCHAR,              -- e.g. '6.0' from "DRAFT Version 6.0"
    effective_from DATE,                 -- agreements only: the date the version takes effect
    body           VARCHAR,              -- the area whose partnership/agreement it is ('Kent'); timelines are per body
    source_format  VARCHAR NOT NULL,     -- text | pdf | html: the reader that read it
    page_count     INTEGER NOT NULL,     -- pages (form-feed pages for text files)
    sha256         VARCHAR NOT NULL UNIQUE,  -- SHA-256 of the file's bytes: how a paper is known, whatever its name
    source_url     VARCHAR               -- where the paper was published (corpus/manifest.csv, or the fetch manifest); NULL if unknown
);
COMMENT ON TABLE documents IS 'One row per parsed corpus document.';

CREATE TABLE document_dates (
    doc_id VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the document that prints the date
    date   DATE NOT NULL,     -- the date as read (a month alone: its first day)
    role   VARCHAR NOT NULL,  -- meeting | effective | approved | published | period_start | period_end | other
    text   VARCHAR NOT NULL,  -- the printed line the date was read from (cleaned)
    page   INTEGER NOT NULL,  -- page it is printed on (1 for a text file without form feeds)
    line   INTEGER NOT NULL   -- text files: line in the file; PDFs: line on the page; HTML: line of the source
);
COMMENT ON TABLE document_dates IS 'Every date printed in a document, with the role its wording gives it.';

CREATE TABLE lists (
    list_id      VARCHAR PRIMARY KEY,  -- '<doc_id>-L01', '-L02' ... in reading order
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the document that prints the list
    role         VARCHAR NOT NULL,  -- priorities | cross_cutting_themes | district_assessment | morile | police_plan | stakeholder_workshop | other
    stance       VARCHAR NOT NULL,  -- current | proposed | historic
    applies_from DATE,              -- first day the list applies, where the paper says ('from April 2020' -> 2020-04-01)
    applies_to   DATE,              -- last day, where stated ('2011/12' -> 2012-03-31)
    heading      VARCHAR NOT NULL,  -- the heading, lead-in sentence or table section the list is printed under
    page         INTEGER NOT NULL,  -- where that label is printed
    line         INTEGER NOT NULL   -- text files: line in the file; PDFs: line on the page; HTML: line of the source
);
COMMENT ON TABLE lists IS 'Every list of priorities, themes or issues found in a document, with what it is.';

CREATE TABLE list_items (
    list_id      VARCHAR NOT NULL REFERENCES lists (list_id),  -- the list it belongs to
    position     INTEGER NOT NULL,  -- 1-based, in reading order (two-column lists: row by row)
    raw_label    VARCHAR NOT NULL,  -- as printed: qualifiers kept; bullets, numbers, footnote markers removed
    detail       VARCHAR,           -- what the paper prints after the label, its scope or description
                                    -- ('Acquisitive Crime – including shoplifting' -> 'including shoplifting'); NULL if none
    count        INTEGER,           -- district assessments: how many CSPs identified the issue; else NULL
    canonical_id VARCHAR,           -- canonical_items.canonical_id: priorities, themes, and district issues that name a priority
    match_method VARCHAR,           -- how the item was linked: curated | exact | normalised | abbreviation | fuzzy; NULL if unlinked
    match_score  DOUBLE,            -- 100 for every method but fuzzy, whose score is the Dice overlap (0-100) of substantive words
    page         INTEGER NOT NULL,  -- page the item is printed on
    line         INTEGER NOT NULL,  -- its first line (see lists.line)
    source_text  VARCHAR NOT NULL,  -- the printed line(s) the item was read from, uncleaned
    PRIMARY KEY (list_id, position)
);
COMMENT ON TABLE list_items IS 'The items of each list, in order, each with its provenance.';

CREATE TABLE leads (
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the document that prints the table
    raw_priority VARCHAR NOT NULL,  -- the priority as printed in the leads table
    canonical_id VARCHAR,           -- the priority the row names (canonical_items); NULL if none matches
    lead         VARCHAR NOT NULL,  -- the lead officer or agency as printed
    page         INTEGER NOT NULL,  -- page the row is printed on
    line         INTEGER NOT NULL   -- where the row starts
);
COMMENT ON TABLE leads IS 'Leads tables: which officer or agency leads each priority.';

CREATE TABLE canonical_items (
    canonical_id VARCHAR PRIMARY KEY,  -- '<kind>:<body>:<slug of the first wording seen>', e.g. 'priority:kent:serious-and-organised-crime'
    body         VARCHAR NOT NULL,     -- the body whose priority or theme it is ('' where the corpus names none)
    kind         VARCHAR NOT NULL,     -- priority | theme
    label        VARCHAR NOT NULL      -- the latest wording (from the list that applies latest)
);
COMMENT ON TABLE canonical_items IS 'One row per priority or cross-cutting theme, whatever it was called over the years.';

CREATE TABLE priority_timeline (
    canonical_id      VARCHAR NOT NULL,  -- canonical_items.canonical_id
    body              VARCHAR NOT NULL,  -- the body whose priority or theme it is
    kind              VARCHAR NOT NULL,  -- priority | theme
    label             VARCHAR NOT NULL,  -- the wording over the interval, as printed by its evidence
    valid_from        DATE NOT NULL,     -- first day of the interval
    valid_to          DATE,              -- last day: the day before a later list drops or rewords it, a stated end (a gap
                                         -- follows), or NULL while it is in the body's latest list with no stated end
    basis             VARCHAR NOT NULL,  -- printed: a paper of that period prints it; carried_forward: no paper of that
                                         -- period, none contradicts; proposed_only: only a proposal shows it, never adopted
    evidence_doc      VARCHAR NOT NULL,  -- the paper it rests on (carried_forward: the last that printed it before)
    evidence_list_id  VARCHAR NOT NULL,  -- the list and item there (list_items: source_text is the printed line)
    evidence_position INTEGER NOT NULL,  -- the item's position in that list
    evidence_page     INTEGER NOT NULL,  -- where that item is printed
    evidence_line     INTEGER NOT NULL,  -- (its first line)
    first_doc         VARCHAR NOT NULL,  -- the first paper, by date, that prints this item in this wording
    last_doc          VARCHAR NOT NULL   -- the last paper, by date, that prints this item in this wording
);
COMMENT ON TABLE priority_timeline IS 'Slowly changing dimension (type 2): one row per item, wording, basis and unbroken interval.';

CREATE TABLE priority_changes (
    change_id        VARCHAR PRIMARY KEY,  -- 'obs-<body>-<kind>-<date>-NN' (observed), 'prop-...' (proposed) or 'stated-<doc_id>-NN'
    body             VARCHAR NOT NULL,     -- the body whose priorities or themes changed
    kind             VARCHAR NOT NULL,     -- priority | theme
    change_type      VARCHAR NOT NULL,     -- added | removed | renamed | split | merged
    effective_date   DATE,                 -- observed, proposed: applies_from of the first list showing it; stated: NULL (a year only)
    earliest         DATE,                 -- the window the change lies in: the day after the last list showing the state before
    latest           DATE,                 -- ... to the first list showing it; stated: the year given, narrowed by the linked change
    before_labels    VARCHAR[] NOT NULL,   -- raw labels before the change
    after_labels     VARCHAR[] NOT NULL,   -- raw labels after it
    canonical_ids    VARCHAR[] NOT NULL,   -- the canonical items involved
    basis            VARCHAR NOT NULL,     -- observed (two consecutive states differ) | stated (a paper narrates it) |
                                           -- proposed (a proposal made it and no later paper shows it adopted)
    linked_change_id VARCHAR,              -- the stated change of the same transition (for an observed one), or the other way round
    doc_id           VARCHAR NOT NULL,     -- observed, proposed: the document of the later list; stated: the narrating document
    evidence         VARCHAR NOT NULL      -- lists, items, pages and lines compared, or the sentence quoted
);
COMMENT ON TABLE priority_changes IS 'Changes between consecutive lists (observed), proposals never adopted (proposed), and the changes documents narrate (stated).';

CREATE TABLE proposal_outcomes (
    body         VARCHAR NOT NULL,  -- the body the proposal is for
    kind         VARCHAR NOT NULL,  -- priority | theme
    list_id      VARCHAR NOT NULL,  -- the proposed list
    doc_id       VARCHAR NOT NULL,  -- the paper that proposes it
    applies_from DATE,              -- the date the proposal was to take effect
    canonical_id VARCHAR NOT NULL,  -- the item it changes
    change_type  VARCHAR NOT NULL,  -- added | renamed | removed: what it proposed for that item
    before_label VARCHAR,           -- the wording in force before (NULL for an addition)
    after_label  VARCHAR,           -- the wording proposed (NULL for a removal)
    adopted      BOOLEAN NOT NULL,  -- a later list from another paper (inside the gap rule) carries it out, or a paper states it done
    evidence     VARCHAR NOT NULL   -- the later list or the statement it was judged by, or why nothing could judge it
);
COMMENT ON TABLE proposal_outcomes IS 'Each change a proposed list makes to what was in force, and whether it was adopted.';

CREATE TABLE timeline_gaps (
    body        VARCHAR NOT NULL,  -- the body
    kind        VARCHAR NOT NULL,  -- priority | theme
    gap_from    DATE NOT NULL,     -- first day with no paper of that period
    gap_to      DATE NOT NULL,     -- last day, the day before the next list
    what        VARCHAR NOT NULL,  -- nothing_in_force: a stated end, then no list within the gap rule; no_paper: carried forward
    before_list VARCHAR NOT NULL,  -- the last list before the gap
    after_list  VARCHAR NOT NULL,  -- the first list after it
    reason      VARCHAR NOT NULL   -- in words
);
COMMENT ON TABLE timeline_gaps IS 'Stretches of a body''s history that no paper of the corpus covers.';

CREATE TABLE version_claims (
    claim_id   VARCHAR PRIMARY KEY,  -- '<doc_id>-C001' ... in reading order
    doc_id     VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the document that makes the claim
    version    VARCHAR,              -- the version-control row it belongs to ('4.0'); NULL where lost or not a table line
    claim_date DATE,                 -- the row's date, the history entry's year (1 January), the statement's or proposal's date
    section    VARCHAR,              -- 'Ch.6', 'Appendix A', or the paragraph it is printed under ('6.5')
    text       VARCHAR NOT NULL,     -- the claim as printed (a table line, a history entry, a sentence)
    source     VARCHAR NOT NULL,     -- version_control | history | statement | proposal: where the paper makes it
    change_type VARCHAR,             -- none | renamed | added | removed | split | merged | changed; NULL where not said
    page       INTEGER NOT NULL,     -- where it is printed
    line       INTEGER NOT NULL      -- (its first line)
);
COMMENT ON TABLE version_claims IS 'What papers claim about their own changes: version control, history, no-change statements, proposals.';

CREATE TABLE claim_audit (
    claim_id    VARCHAR PRIMARY KEY REFERENCES version_claims (claim_id),  -- the claim judged
    verdict     VARCHAR NOT NULL,    -- confirmed | contradicted | unverifiable | out_of_scope
    explanation VARCHAR NOT NULL,    -- one sentence (one per kind) a person can check
    change_ids  VARCHAR[] NOT NULL   -- priority_changes rows it was judged against ([] when none apply)
);
COMMENT ON TABLE claim_audit IS 'Each claim judged against what the extracted lists show.';

CREATE TABLE audit_findings (
    finding_id   VARCHAR PRIMARY KEY,  -- '<doc_id>-F01' ...
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the paper
    finding_type VARCHAR NOT NULL,     -- proposal_not_in_own_list | footer_other_year | version_table_stops_short
    explanation  VARCHAR NOT NULL,     -- in words, with the lines compared
    page         INTEGER NOT NULL,     -- where the inconsistency shows
    line         INTEGER NOT NULL      -- (its first line)
);
COMMENT ON TABLE audit_findings IS 'Inconsistencies inside one paper (its narrative against its own lists, furniture, tables).';

CREATE TABLE document_sources (
    doc_id      VARCHAR NOT NULL REFERENCES documents (doc_id),  -- the document
    source_url  VARCHAR,             -- where it was published (for a fetched paper, the document's URL on the council's site)
    publisher   VARCHAR,             -- who published it (manifest.csv's publisher; for a fetched paper, the site)
    origin      VARCHAR NOT NULL,    -- manifest (corpus/manifest.csv) | fetch (a fetch-manifest.csv written by `csa fetch`)
    site        VARCHAR,             -- fetched papers: the committee system's base URL
    committee   VARCHAR,             -- fetched papers: the committee's title in the committee system
    meeting_id  VARCHAR,             -- fetched papers: the meeting's id in the committee system (ModernGov meetingid)
    meeting_date DATE,               -- fetched papers: the meeting's date in the committee system
    agenda_item VARCHAR,             -- fetched papers: the agenda item the document is linked from
    fetched_at  TIMESTAMP            -- fetched papers: when it was downloaded (UTC)
);
COMMENT ON TABLE document_sources IS 'Where a document came from: corpus/manifest.csv, or the fetch manifest `csa fetch` keeps in the inbox.';

CREATE TABLE ingest_log (
    source_path VARCHAR NOT NULL,    -- the input file, relative to the corpus where it is inside it
    sha256      VARCHAR,             -- NULL when the file could not even be read
    status      VARCHAR NOT NULL,    -- loaded | skipped_unchanged | replaced | failed
    error       VARCHAR,             -- one-line reason for failed or skipped files; on a loaded or replaced file, what it replaced and any reader note (PDF pages read by the slower path, and why)
    started_at  TIMESTAMP NOT NULL,  -- when the run started on it
    finished_at TIMESTAMP NOT NULL   -- when it finished
);
COMMENT ON TABLE ingest_log IS 'What happened to every input file of every run.';

-- ---------------------------------------------------------------- questions, stored in the warehouse
-- (docs/queries.md shows each with its output on the embedded corpus)

-- Every priority and theme in force on a date, with how it is known and where it is printed.
CREATE MACRO in_force(on_date) AS TABLE
SELECT t.body, t.kind, t.canonical_id, t.label, t.basis, t.valid_from, t.valid_to,
       t.evidence_doc, d.source_path AS evidence_path, t.evidence_page, t.evidence_line,
       i.source_text AS evidence_text
FROM priority_timeline t
JOIN documents d ON d.doc_id = t.evidence_doc
LEFT JOIN list_items i ON i.list_id = t.evidence_list_id AND i.position = t.evidence_position
WHERE t.basis <> 'proposed_only'
  AND t.valid_from <= CAST(on_date AS DATE)
  AND (t.valid_to IS NULL OR t.valid_to >= CAST(on_date AS DATE))
ORDER BY t.body, t.kind, t.label;
COMMENT ON MACRO TABLE in_force IS 'in_force(DATE): every priority and theme in force that day (printed or carried forward, never proposed only), with its evidence: body, kind, canonical_id, label, basis, valid_from, valid_to, evidence_doc, evidence_path, evidence_page, evidence_line, evidence_text.';

-- Every change whose window touches the period [from_date, to_date].
CREATE MACRO changes_between(from_date, to_date) AS TABLE
SELECT c.body, c.kind, c.change_type, c.basis, c.effective_date, c.earliest, c.latest,
       coalesce(c.earliest, c.effective_date) >= CAST(from_date AS DATE)
           AND coalesce(c.latest, c.effective_date) <= CAST(to_date AS DATE) AS inside,
       c.before_labels, c.after_labels, c.canonical_ids, c.change_id, c.linked_change_id,
       d.source_path, c.evidence
FROM priority_changes c
JOIN documents d USING (doc_id)
WHERE coalesce(c.latest, c.effective_date) >= CAST(from_date AS DATE)
  AND coalesce(c.earliest, c.effective_date) <= CAST(to_date AS DATE)
ORDER BY coalesce(c.effective_date, c.latest), c.change_id;
COMMENT ON MACRO TABLE changes_between IS 'changes_between(DATE, DATE): every observed, stated or proposed change whose window touches the period; inside is true when the whole window lies in it.';

-- One item's wordings over time, and the changes that involve it, in order.
CREATE MACRO item_history(item) AS TABLE
SELECT * FROM (
    SELECT t.valid_from AS from_date, t.valid_to AS to_date, 'wording' AS entry, t.label AS text, t.basis,
           d.source_path, t.evidence_page AS page, t.evidence_line AS line
    FROM priority_timeline t JOIN documents d ON d.doc_id = t.evidence_doc
    WHERE t.canonical_id = item
    UNION ALL
    SELECT coalesce(c.effective_date, c.earliest), c.latest, c.change_type,
           array_to_string(c.before_labels, ' | ') || ' -> ' || array_to_string(c.after_labels, ' | '), c.basis,
           d.source_path, NULL, NULL
    FROM priority_changes c JOIN documents d USING (doc_id)
    WHERE list_contains(c.canonical_ids, item)
)
ORDER BY from_date, entry = 'wording', basis;
COMMENT ON MACRO TABLE item_history IS 'item_history(canonical_id): its wordings over time (timeline rows) and the changes that involve it, with the paper, page and line.';

CREATE VIEW proposals AS
SELECT p.body,                       -- the body the proposal is for
       p.kind,                       -- priority | theme
       d.source_path,                -- the paper that proposes it
       l.page,                       -- where its proposed list is printed
       l.line,                       -- (the list's label)
       p.applies_from,               -- when the proposal was to take effect
       p.change_type,                -- added | renamed | removed: what it proposed for the item
       p.before_label,               -- the wording in force before (NULL for an addition)
       p.after_label,                -- the wording proposed (NULL for a removal)
       p.adopted,                    -- shown adopted: a later list carries it out, or a paper states it done
       p.evidence,                   -- what it was judged by
       p.canonical_id,               -- the item it changes
       p.list_id                     -- the proposed list
FROM proposal_outcomes p
JOIN documents d USING (doc_id)
JOIN lists l USING (list_id)
ORDER BY p.applies_from, p.body, p.kind, p.after_label;
COMMENT ON VIEW proposals IS 'What each proposed list would have changed, and whether a later paper shows it adopted.';

CREATE VIEW gaps AS
SELECT g.body,                       -- the body
       g.kind,                       -- priority | theme
       g.gap_from,                   -- first day no paper covers
       g.gap_to,                     -- last day
       (g.gap_to - g.gap_from) + 1 AS days,  -- its length in days
       g.what,                       -- nothing_in_force (a stated end, then silence) | no_paper (carried forward)
       g.reason,                     -- in words
       b.source_path AS before_path, -- the paper printing the last list before the gap
       a.source_path AS after_path   -- the paper printing the first list after it
FROM timeline_gaps g
JOIN lists lb ON lb.list_id = g.before_list JOIN documents b ON b.doc_id = lb.doc_id
JOIN lists la ON la.list_id = g.after_list JOIN documents a ON a.doc_id = la.doc_id
ORDER BY g.body, g.kind, g.gap_from;
COMMENT ON VIEW gaps IS 'Stretches of each body''s history with no paper: where nothing is known to be in force, and where what was is carried forward.';

