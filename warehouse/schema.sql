-- csa-timeline warehouse schema. One file, created in one place (warehouse/store.py).
-- Tables hold what was extracted; every fact carries its document, page and line.

CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,  -- first 16 hex digits of the file's SHA-256: stable across renames
    source_path    VARCHAR NOT NULL,     -- path relative to the corpus folder, file name kept
    title          VARCHAR,              -- "Subject:" line, else first substantial heading, else running header
    doc_kind       VARCHAR NOT NULL,     -- agenda_pack | minutes | committee_report | decision | agreement | other
    meeting_date   DATE,                 -- date of the meeting the paper is for, where stated
    committee      VARCHAR,              -- the committee or meeting its header names ('Cabinet'), where stated
    status         VARCHAR,              -- draft | final | NULL (from running headers/footers and the header block)
    version_label  VARCHAR,              -- e.g. '6.0' from "DRAFT Version 6.0"
    effective_from DATE,                 -- agreements only: the date the version takes effect
    body           VARCHAR,              -- the area whose partnership/agreement it is ('Kent'); timelines are per body
    source_format  VARCHAR NOT NULL,     -- text | pdf | html: the reader that read it
    page_count     INTEGER NOT NULL,     -- pages (form-feed pages for text files)
    sha256         VARCHAR NOT NULL UNIQUE
);
COMMENT ON TABLE documents IS 'One row per parsed corpus document.';

CREATE TABLE document_dates (
    doc_id VARCHAR NOT NULL REFERENCES documents (doc_id),
    date   DATE NOT NULL,
    role   VARCHAR NOT NULL,  -- meeting | effective | approved | published | period_start | period_end | other
    text   VARCHAR NOT NULL,  -- the printed line the date was read from (cleaned)
    page   INTEGER NOT NULL,
    line   INTEGER NOT NULL   -- text files: line in the file; PDFs: line on the page
);
COMMENT ON TABLE document_dates IS 'Every date printed in a document, with the role its wording gives it.';

CREATE TABLE lists (
    list_id      VARCHAR PRIMARY KEY,  -- '<doc_id>-L01', '-L02' ... in reading order
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),
    role         VARCHAR NOT NULL,  -- priorities | cross_cutting_themes | district_assessment | morile | police_plan | stakeholder_workshop | other
    stance       VARCHAR NOT NULL,  -- current | proposed | historic
    applies_from DATE,              -- first day the list applies, where the paper says ('from April 2020' -> 2020-04-01)
    applies_to   DATE,              -- last day, where stated ('2011/12' -> 2012-03-31)
    heading      VARCHAR NOT NULL,  -- the heading, lead-in sentence or table section the list is printed under
    page         INTEGER NOT NULL,  -- where that label is printed
    line         INTEGER NOT NULL
);
COMMENT ON TABLE lists IS 'Every list of priorities, themes or issues found in a document, with what it is.';

CREATE TABLE list_items (
    list_id      VARCHAR NOT NULL REFERENCES lists (list_id),
    position     INTEGER NOT NULL,  -- 1-based, in reading order (two-column lists: row by row)
    raw_label    VARCHAR NOT NULL,  -- as printed: qualifiers kept; bullets, numbers, footnote markers removed
    detail       VARCHAR,           -- what the paper prints after the label, its scope or description
                                    -- ('Acquisitive Crime – including shoplifting' -> 'including shoplifting'); NULL if none
    count        INTEGER,           -- district assessments: how many CSPs identified the issue; else NULL
    canonical_id VARCHAR,           -- canonical_items.canonical_id: priorities, themes, and district issues that name a priority
    match_method VARCHAR,           -- how the item was linked: curated | exact | normalised | abbreviation | fuzzy; NULL if unlinked
    match_score  DOUBLE,            -- 100 for every method but fuzzy, whose score is the Dice overlap (0-100) of substantive words
    page         INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    source_text  VARCHAR NOT NULL,  -- the printed line(s) the item was read from, uncleaned
    PRIMARY KEY (list_id, position)
);
COMMENT ON TABLE list_items IS 'The items of each list, in order, each with its provenance.';

CREATE TABLE leads (
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),
    raw_priority VARCHAR NOT NULL,  -- the priority as printed in the leads table
    canonical_id VARCHAR,           -- the priority the row names (canonical_items); NULL if none matches
    lead         VARCHAR NOT NULL,  -- the lead officer or agency as printed
    page         INTEGER NOT NULL,
    line         INTEGER NOT NULL   -- where the row starts
);
COMMENT ON TABLE leads IS 'Leads tables: which officer or agency leads each priority.';

CREATE TABLE canonical_items (
    canonical_id VARCHAR PRIMARY KEY,  -- '<kind>:<slug of the first wording seen>', e.g. 'priority:serious-and-organised-crime'
    kind         VARCHAR NOT NULL,     -- priority | theme
    label        VARCHAR NOT NULL      -- the latest wording (from the list that applies latest)
);
COMMENT ON TABLE canonical_items IS 'One row per priority or cross-cutting theme, whatever it was called over the years.';

CREATE TABLE priority_timeline (
    canonical_id VARCHAR NOT NULL,  -- canonical_items.canonical_id
    kind         VARCHAR NOT NULL,  -- priority | theme
    label        VARCHAR NOT NULL,  -- the wording in force over the interval, as printed when it first appears
    valid_from   DATE NOT NULL,     -- the applies_from of the first list in the interval
    valid_to     DATE,              -- last day shown: the day before the next list that drops or rewords it, or the end
                                    -- of the corpus's evidence where a gap follows; NULL while in force at the latest list
    basis        VARCHAR NOT NULL,  -- current | historic | proposed: the stance of the lists that show it
    doc_id       VARCHAR NOT NULL   -- the document whose list opens the interval
);
COMMENT ON TABLE priority_timeline IS 'Slowly changing dimension (type 2): one row per item, wording, basis and unbroken interval.';

CREATE TABLE priority_changes (
    change_id      VARCHAR PRIMARY KEY,  -- 'obs-<body>-<kind>-<date>-NN' (observed) or 'stated-<doc_id>-NN'
    kind           VARCHAR NOT NULL,     -- priority | theme
    change_type    VARCHAR NOT NULL,     -- added | removed | renamed | split | merged
    effective_date DATE,                 -- observed: applies_from of the first list showing it; stated: 1 January of the year given
    before_labels  VARCHAR[] NOT NULL,   -- raw labels before the change
    after_labels   VARCHAR[] NOT NULL,   -- raw labels after it
    canonical_ids  VARCHAR[] NOT NULL,   -- the canonical items involved
    basis          VARCHAR NOT NULL,     -- observed (two consecutive lists differ) | stated (the document narrates it)
    doc_id         VARCHAR NOT NULL,     -- observed: the document of the later list; stated: the narrating document
    evidence       VARCHAR NOT NULL      -- lists, items, pages and lines compared, or the sentence quoted
);
COMMENT ON TABLE priority_changes IS 'Changes between consecutive lists (observed) beside the changes documents narrate (stated).';

CREATE TABLE version_claims (
    claim_id   VARCHAR PRIMARY KEY,  -- '<doc_id>-C001' ... in reading order
    doc_id     VARCHAR NOT NULL REFERENCES documents (doc_id),
    version    VARCHAR,              -- the version-control row it belongs to ('4.0'); NULL where lost or not a table line
    claim_date DATE,                 -- the row's date, the history entry's year (1 January), the statement's or proposal's date
    section    VARCHAR,              -- 'Ch.6', 'Appendix A', or the paragraph it is printed under ('6.5')
    text       VARCHAR NOT NULL,     -- the claim as printed (a table line, a history entry, a sentence)
    source     VARCHAR NOT NULL,     -- version_control | history | statement | proposal: where the paper makes it
    change_type VARCHAR,             -- none | renamed | added | removed | split | merged | changed; NULL where not said
    page       INTEGER NOT NULL,
    line       INTEGER NOT NULL
);
COMMENT ON TABLE version_claims IS 'What papers claim about their own changes: version control, history, no-change statements, proposals.';

CREATE TABLE claim_audit (
    claim_id    VARCHAR PRIMARY KEY REFERENCES version_claims (claim_id),
    verdict     VARCHAR NOT NULL,    -- confirmed | contradicted | unverifiable | out_of_scope
    explanation VARCHAR NOT NULL,    -- one sentence (one per kind) a person can check
    change_ids  VARCHAR[] NOT NULL   -- priority_changes rows it was judged against ([] when none apply)
);
COMMENT ON TABLE claim_audit IS 'Each claim judged against what the extracted lists show.';

CREATE TABLE audit_findings (
    finding_id   VARCHAR PRIMARY KEY,  -- '<doc_id>-F01' ...
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),
    finding_type VARCHAR NOT NULL,     -- proposal_not_in_own_list | footer_other_year | version_table_stops_short
    explanation  VARCHAR NOT NULL,
    page         INTEGER NOT NULL,
    line         INTEGER NOT NULL
);
COMMENT ON TABLE audit_findings IS 'Inconsistencies inside one paper (its narrative against its own lists, furniture, tables).';

CREATE TABLE document_sources (
    doc_id      VARCHAR NOT NULL REFERENCES documents (doc_id),
    source_url  VARCHAR,
    publisher   VARCHAR
);
COMMENT ON TABLE document_sources IS 'Where a document came from, from corpus/manifest.csv.';

CREATE TABLE ingest_log (
    source_path VARCHAR NOT NULL,
    sha256      VARCHAR,             -- NULL when the file could not even be read
    status      VARCHAR NOT NULL,    -- loaded | skipped_unchanged | replaced | failed
    error       VARCHAR,             -- one-line reason for failed or skipped files
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE ingest_log IS 'What happened to every input file of every run.';
