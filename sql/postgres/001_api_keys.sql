-- apiauth: the table of API key records (include/apiauth/stores/postgres.hpp), migration 001.
--
-- One row per key: never the key, only its verifier (HMAC-SHA-256 under a pepper the database
-- does not hold; research/api-keys.md §8.4). Times are UTC seconds since the epoch (bigint: the
-- exact values verification compares, with no time zone or range conversion); read them with
-- to_timestamp(created_at). Scopes and grant types are space-separated scope-tokens (RFC 6749
-- §3.3). Apply with `apiauth key migrate --db postgresql://…` or psql -f; it is idempotent.
-- The table name is the default of postgres_options::table; the statement text below is what
-- postgres_schema_sql() returns for it (tests/postgres checks that they are the same).

CREATE TABLE IF NOT EXISTS apiauth_api_keys (
    key_id              text     PRIMARY KEY CHECK (octet_length(key_id) BETWEEN 1 AND 64),
    prefix              text     NOT NULL CHECK (octet_length(prefix) <= 32),
    format              smallint NOT NULL CHECK (format IN (0, 1)),
    mac                 bytea    NOT NULL CHECK (octet_length(mac) = 32),
    pepper_version      bigint   NOT NULL CHECK (pepper_version BETWEEN 0 AND 4294967295),
    wrap_version        bigint   CHECK (wrap_version BETWEEN 0 AND 4294967295),
    prev_mac            bytea    CHECK (octet_length(prev_mac) = 32),
    prev_pepper_version bigint   CHECK (prev_pepper_version BETWEEN 0 AND 4294967295),
    prev_wrap_version   bigint   CHECK (prev_wrap_version BETWEEN 0 AND 4294967295),
    prev_valid_until    bigint,
    created_at          bigint   NOT NULL,
    not_before          bigint,
    expires_at          bigint,
    revoked_at          bigint,
    scopes              text     NOT NULL DEFAULT '',
    grant_types         text     NOT NULL DEFAULT '',
    owner               text     NOT NULL CHECK (octet_length(owner) <= 256),
    name                text     NOT NULL DEFAULT '' CHECK (octet_length(name) <= 256),
    CHECK ((prev_mac IS NULL) = (prev_pepper_version IS NULL)
           AND (prev_mac IS NULL) = (prev_valid_until IS NULL)
           AND (prev_mac IS NOT NULL OR prev_wrap_version IS NULL))
);

-- list(owner): an owner's keys, oldest first.
CREATE INDEX IF NOT EXISTS apiauth_api_keys_owner ON apiauth_api_keys (owner, created_at, key_id);

-- rewrap: the rows still under an old pepper and not wrapped.
CREATE INDEX IF NOT EXISTS apiauth_api_keys_unwrapped ON apiauth_api_keys (pepper_version, key_id)
    WHERE wrap_version IS NULL AND prev_wrap_version IS NULL;
