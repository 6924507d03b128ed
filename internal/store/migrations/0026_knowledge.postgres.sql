-- The knowledge hub: versioned Markdown documents (standards, guidance,
-- hazard blueprints, lessons learned and safety alerts) of an
-- organisation, shared privately, with its networks or publicly, and
-- their full-text search index.
--
-- The tables are the same on both engines; only the search index differs
-- (SQLite FTS5, PostgreSQL tsvector with a GIN index), which is why this
-- migration is a .sqlite.sql/.postgres.sql pair: keep the two in step.

-- One row per document: what holds for every version of it. The content
-- is in its versions. Documents are never deleted.
CREATE TABLE knowledge_documents (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    ref           TEXT NOT NULL,                 -- KD-001, per organisation
    kind          TEXT NOT NULL,                 -- knowledge.Kind
    sharing       TEXT NOT NULL,                 -- private, network or public
    owner_id      TEXT REFERENCES users(id),
    review_on     TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD, '' for none
    tags          TEXT NOT NULL DEFAULT '',      -- |tag|tag|
    system_types  TEXT NOT NULL DEFAULT '',      -- |type|type|
    links         TEXT NOT NULL DEFAULT '[]',    -- JSON [{"title","url"}]
    -- Where a document came from: "" (written here), "event:ID" or
    -- "response:ID" (a lesson learned), "builtin:CODE" (clinsafe's own).
    source        TEXT NOT NULL DEFAULT '',
    -- The number of the version readers see (0 before the first is
    -- published) and of the newest version (a draft when larger).
    published     INTEGER NOT NULL DEFAULT 0,
    latest        INTEGER NOT NULL DEFAULT 1,
    version       INTEGER NOT NULL,              -- optimistic locking
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, ref)
);
CREATE INDEX knowledge_documents_org ON knowledge_documents (org_id, kind);
CREATE INDEX knowledge_documents_owner ON knowledge_documents (owner_id, review_on);
CREATE INDEX knowledge_documents_source ON knowledge_documents (org_id, source);

-- Every version of a document. A published version is never changed
-- again; the newest may be a draft, changed until it is published.
CREATE TABLE knowledge_versions (
    document_id   TEXT NOT NULL REFERENCES knowledge_documents(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    number        INTEGER NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,                 -- Markdown
    note          TEXT NOT NULL DEFAULT '',      -- what changed
    author_id     TEXT REFERENCES users(id),
    -- The de-identification flags the author confirmed are not patient
    -- detail, as keys (knowledge.Flag.Key: a kind and a hash, never the text).
    confirmed     TEXT NOT NULL DEFAULT '',
    approved_by   TEXT REFERENCES users(id),
    published_at  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, number)
);

-- The search document of each published document (its published
-- version's title, summary and body), written by knowledgedb when a
-- version is published or the document's sharing, kind or tags change,
-- with its tsvector and a GIN index.
CREATE TABLE knowledge_search (
    doc          BIGSERIAL PRIMARY KEY,
    document_id  TEXT NOT NULL UNIQUE REFERENCES knowledge_documents(id),
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    kind         TEXT NOT NULL,
    sharing      TEXT NOT NULL,
    tags         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    tsv          tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED
);
CREATE INDEX knowledge_search_org ON knowledge_search (org_id, sharing);
CREATE INDEX knowledge_search_sharing ON knowledge_search (sharing, org_id);
CREATE INDEX knowledge_search_tsv ON knowledge_search USING GIN (tsv);
