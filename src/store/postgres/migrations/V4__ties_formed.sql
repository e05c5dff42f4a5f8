-- Every statement that forms ties notifies `alliances_team_ties`, at its
-- commit, with the pairs of teams the new ties join, as a JSON array of
-- [team, team] pairs: each replica adds them to the teams it keeps as
-- tied (see `team_ties`). A list too long for a notification (8000 bytes
-- at most) is sent empty, which tells the replicas to read again.
CREATE FUNCTION alliances_ties_formed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pairs text;
BEGIN
    SELECT jsonb_agg(DISTINCT jsonb_build_array(a.person ->> 'team', b.person ->> 'team'))::text
    INTO pairs
    FROM formed AS f
    JOIN people AS a ON a.id = f.low
    JOIN people AS b ON b.id = f.high
    WHERE a.person ->> 'team' IS NOT NULL AND b.person ->> 'team' IS NOT NULL;
    IF pairs IS NULL THEN
        RETURN NULL;
    END IF;
    IF octet_length(pairs) > 7000 THEN
        pairs := '';
    END IF;
    PERFORM pg_notify('alliances_team_ties', pairs);
    RETURN NULL;
END
$$;

CREATE TRIGGER ties_formed
AFTER INSERT ON ties
REFERENCING NEW TABLE AS formed
FOR EACH STATEMENT EXECUTE FUNCTION alliances_ties_formed();
