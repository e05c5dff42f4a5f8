-- The records of alliances, as the sled store keeps them in its trees: a
-- table a tree, each record's value as JSON (the same serde encoding as
-- sled's, so that a backup moves between the two unchanged) beside the
-- columns the queries select, order and lock by.

-- The store's own settings: its hash key, the interaction count, the last
-- round of circles, the backup an uninstall kept. Values as in sled's
-- `meta` tree.
CREATE TABLE meta (
    name text PRIMARY KEY,
    value bytea NOT NULL
);

-- Who is in the workspace.
CREATE TABLE people (
    id text PRIMARY KEY,
    person jsonb NOT NULL
);

-- The interaction log. Ids grow in log order: every writer of the log
-- holds the log-writer lock (an advisory lock, see `postgres::LOG_WRITER`)
-- while it draws ids from `interaction_ids` and until it commits, so ids
-- are drawn in the order the ties are updated in.
CREATE SEQUENCE interaction_ids;
CREATE TABLE interactions (
    id bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    interaction jsonb NOT NULL
);
-- Forget-me and a person's export find their interactions: those they
-- took part in, and those they logged for others.
CREATE INDEX interactions_by_participant ON interactions USING gin ((interaction -> 'participants'));
CREATE INDEX interactions_by_logger ON interactions ((interaction ->> 'logged_by'));
-- The partnerships' weeks read the log between two instants.
CREATE INDEX interactions_by_time ON interactions (at);

-- The tie of each pair that ever met, folded from the log in log order.
CREATE TABLE ties (
    low text NOT NULL,
    high text NOT NULL,
    tie jsonb NOT NULL,
    PRIMARY KEY (low, high),
    CHECK (low < high)
);
-- A person's ties where they are the higher id of the pair.
CREATE INDEX ties_by_high ON ties (high);

-- The idempotency key of every interaction logged once, kept for good.
CREATE TABLE logged_keys (
    key text PRIMARY KEY,
    interaction bigint NOT NULL
);

-- The keyed hashes of the contents logged in the last minutes (once-keys
-- of the kind `recent`), so that a `/met` typed again after "this may not
-- have been saved" is not logged twice, whichever replica it reaches.
CREATE TABLE recent_logs (
    key text PRIMARY KEY,
    logged_at timestamptz NOT NULL
);

-- The Slack deliveries seen lately, so that a retried event is handled
-- once, whichever replica it reaches.
CREATE TABLE deliveries (
    key text PRIMARY KEY,
    seen_at timestamptz NOT NULL
);

-- Each scheduled job's last run.
CREATE TABLE jobs (
    name text PRIMARY KEY,
    run jsonb NOT NULL
);

-- Which replica runs the scheduled jobs, until when: a lease it renews.
CREATE TABLE leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    until timestamptz NOT NULL
);

-- Every nudge Slack accepted, by when (nanoseconds since 1970, as the
-- sled store's keys order them), to whom, about whom.
CREATE TABLE nudges (
    at_ns bigint NOT NULL,
    to_id text NOT NULL,
    about text NOT NULL,
    nudge jsonb NOT NULL,
    PRIMARY KEY (at_ns, to_id, about)
);

-- What the bot promised to send and has not yet, or gave up on, in queue
-- order. A replica that sends an item claims it first, until a time: no
-- other sends it meanwhile, and another may once the claim has run out
-- (its claimant died).
CREATE SEQUENCE outbox_ids;
CREATE TABLE outbox (
    id bigint PRIMARY KEY,
    item jsonb NOT NULL,
    -- Whether it waits to be sent, and from when: the item's own state,
    -- beside it, so that a claim locks only the items it takes.
    pending boolean NOT NULL,
    due_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE pending;

-- Each person's DM channel with the bot.
CREATE TABLE dm_channels (
    person text PRIMARY KEY,
    channel jsonb NOT NULL
);

-- Whose calendar the bot may read, each address sealed with the
-- operator's key: the database never sees an address that opens without
-- it.
CREATE TABLE calendars (
    owner text PRIMARY KEY,
    feed jsonb NOT NULL
);

-- Who asked to be forgotten, without saying who: a keyed hash of each
-- id (see the sled store's `tombstones`).
CREATE TABLE tombstones (
    hash bytea PRIMARY KEY
);

-- Every leadership circle formed, by round and place in it.
CREATE TABLE circles (
    round integer NOT NULL,
    place integer NOT NULL,
    circle jsonb NOT NULL,
    PRIMARY KEY (round, place)
);
