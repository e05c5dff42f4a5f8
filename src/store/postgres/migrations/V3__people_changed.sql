-- Every statement that changes the people notifies `alliances_people`, at
-- its commit, whoever runs it: another replica, an older build, or an
-- operator in psql. Each replica keeps the people it read while it
-- listens, and forgets them all when it hears this (see `kept_people`).
CREATE FUNCTION alliances_people_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('alliances_people', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER people_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON people
FOR EACH STATEMENT EXECUTE FUNCTION alliances_people_changed();
