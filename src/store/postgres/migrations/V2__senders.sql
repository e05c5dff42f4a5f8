-- The replicas, when each was last seen and last called Slack: they share
-- Slack's rate limits among those calling it (see `slack::rate_control`),
-- and a replica that starts calling assumes it shares them with every
-- replica seen until it has counted.
CREATE TABLE senders (
    replica text PRIMARY KEY,
    seen_at timestamptz NOT NULL,
    called_at timestamptz
);
