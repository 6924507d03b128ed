-- Accounts across organisations: invitations to join an organisation,
-- electronic signatures (approving and issuing), and API tokens narrowed
-- to a subset of their creator's roles.

-- An organisation's administrator adds a person by invitation. The person
-- accepts with the one-time code (stored hashed), either by signing in to
-- the account they already have or by creating one. Nothing here says
-- whether an account with the email already exists.
CREATE TABLE invitations (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    email             TEXT NOT NULL,
    name              TEXT NOT NULL,
    roles             TEXT NOT NULL,
    code_hash         TEXT NOT NULL UNIQUE,
    created_by_id     TEXT REFERENCES users(id),
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    accepted_at       TIMESTAMPTZ,
    accepted_user_id  TEXT REFERENCES users(id),
    revoked_at        TIMESTAMPTZ
);
CREATE INDEX invitations_org ON invitations (org_id, created_at);

-- An electronic signature: who signed what, when, what it means, and the
-- SHA-256 of the content signed. The signer re-entered their password at
-- the moment of signing; no API token can sign.
CREATE TABLE signatures (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    subject       TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    -- The audited entity the subject belongs to (the system of an issued
    -- hazard log or report), whose content includes its signatures.
    parent_id     TEXT NOT NULL,
    meaning       TEXT NOT NULL,
    signer_id     TEXT NOT NULL REFERENCES users(id),
    signer_name   TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    method        TEXT NOT NULL,
    signed_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX signatures_subject ON signatures (subject, subject_id);

-- Roles a token is narrowed to (comma-separated); empty means all the
-- roles its creator holds at the time of use. Either way a token never has
-- more than its creator.
ALTER TABLE api_tokens ADD COLUMN roles TEXT NOT NULL DEFAULT '';
