-- Networks of organisations: an integrated care system, a region, or any
-- group a regional or national team looks after. A network's analysts see
-- aggregate measures of every member side by side, never a member's
-- records; documents may be shared with a network's members.
CREATE TABLE networks (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,   -- ics, region, national or other
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX networks_name ON networks (lower(name));

CREATE TABLE network_members (
    network_id  TEXT NOT NULL REFERENCES networks(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    added_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, org_id)
);
CREATE INDEX network_members_org ON network_members (org_id);

CREATE TABLE network_analysts (
    network_id  TEXT NOT NULL REFERENCES networks(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    added_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, user_id)
);
CREATE INDEX network_analysts_user ON network_analysts (user_id);
