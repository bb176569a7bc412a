-- apiauth: the table of API key records (include/apiauth/stores/postgres.hpp), migration 002.
--
-- The RFC 8707 resources a key may have access tokens for at the token endpoint
-- (api_key_record::resources): absolute URIs, space-separated; '' is no restriction. Apply after
-- 001, with `apiauth key migrate --db postgresql://…` or psql -f; it is idempotent, and once the
-- column is there it takes no lock (ALTER TABLE would lock the table even to find the column
-- there, and every lookup would wait behind it). Two migrations at once may both find it missing:
-- the second ALTER waits for the first, then finds the column (IF NOT EXISTS) and does nothing.
-- Until every server and every admin tool of a fleet runs a version that reads this column, set
-- no resources: an earlier version neither enforces them nor keeps them when it rotates a key.
-- The statement text below follows migration 001's in what postgres_schema_sql() returns
-- (tests/postgres checks that they are the same).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'apiauth_api_keys'::regclass
                   AND attname = 'resources' AND NOT attisdropped) THEN
        ALTER TABLE apiauth_api_keys ADD COLUMN IF NOT EXISTS resources text NOT NULL DEFAULT '';
    END IF;
END
$$;
