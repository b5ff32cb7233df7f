-- csa-timeline warehouse schema. One file, created in one place (warehouse/store.py).
-- Tables hold what was extracted; every fact carries its document, page and line.

CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,  -- first 16 hex digits of the file's SHA-256: stable across renames
    source_path    VARCHAR NOT NULL,     -- path relative to the corpus folder, file name kept
    title          VARCHAR,              -- "Subject:" line, else first substantial heading, else running header
    doc_kind       VARCHAR NOT NULL,     -- committee_report | agreement | agenda_pack | minutes | other
    meeting_date   DATE,                 -- date of the meeting the paper is for, where stated
    status         VARCHAR,              -- draft | final | NULL (from running headers/footers and the header block)
    version_label  VARCHAR,              -- e.g. '6.0' from "DRAFT Version 6.0"
    effective_from DATE,                 -- agreements only: the date the version takes effect
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
    count        INTEGER,           -- district assessments: how many CSPs identified the issue; else NULL
    canonical_id VARCHAR,           -- the canonical priority/theme (filled by normalisation; NULL until then)
    page         INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    source_text  VARCHAR NOT NULL,  -- the printed line(s) the item was read from, uncleaned
    PRIMARY KEY (list_id, position)
);
COMMENT ON TABLE list_items IS 'The items of each list, in order, each with its provenance.';

CREATE TABLE leads (
    doc_id       VARCHAR NOT NULL REFERENCES documents (doc_id),
    raw_priority VARCHAR NOT NULL,  -- the priority as printed in the leads table
    canonical_id VARCHAR,           -- filled by normalisation; NULL until then
    lead         VARCHAR NOT NULL,  -- the lead officer or agency as printed
    page         INTEGER NOT NULL,
    line         INTEGER NOT NULL   -- where the row starts
);
COMMENT ON TABLE leads IS 'Leads tables: which officer or agency leads each priority.';

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
