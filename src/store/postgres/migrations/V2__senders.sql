-- Which replicas called Slack lately, and when last: they share Slack's
-- rate limits among themselves (see `slack::rate_control`), and a replica
-- that is not calling leaves its share to the others.
CREATE TABLE senders (
    replica text PRIMARY KEY,
    called_at timestamptz NOT NULL
);
