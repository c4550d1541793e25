namespace Hearth.Router.Registry;

/// <summary>
/// The router database schema as an append-only list of small migrations: step i moves
/// <c>schema_version.version</c> from i to i+1. Never edit a shipped step; add a new one, and the
/// migration test proves every earlier version still upgrades.
/// </summary>
internal static class RouterSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        // v1: the version table itself, and server-wide settings (the HMAC secret for virtual keys).
        """
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version (version) VALUES (0);
        CREATE TABLE settings (
            name  TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
        """,

        // v2: backends added at run time through /admin/backends (config-file backends are not stored).
        """
        CREATE TABLE backends (
            name            TEXT    PRIMARY KEY,
            url             TEXT    NOT NULL,
            type            TEXT    NOT NULL,
            models          TEXT,               -- JSON array, NULL = discover from the backend
            api_key_env     TEXT,
            tier            TEXT    NOT NULL,
            weight          INTEGER NOT NULL,
            max_concurrency INTEGER NOT NULL,
            added_unix_ms   INTEGER NOT NULL
        );
        """,

        // v3: public model name -> one or more (backend, backend model) deployments, in insertion order.
        """
        CREATE TABLE model_aliases (
            alias         TEXT    NOT NULL,
            backend       TEXT    NOT NULL,
            backend_model TEXT    NOT NULL,
            position      INTEGER NOT NULL,
            PRIMARY KEY (alias, backend, backend_model)
        );
        """,

        // v4: virtual keys, stored only as HMAC-SHA256(secret, key); prefix is the visible part.
        """
        CREATE TABLE virtual_keys (
            id              TEXT    PRIMARY KEY,
            name            TEXT,
            prefix          TEXT    NOT NULL,
            hash            BLOB    NOT NULL UNIQUE,
            models          TEXT,               -- JSON array, NULL = every model
            rpm             INTEGER,
            tpm             INTEGER,
            budget_tokens   INTEGER,
            budget_period   TEXT    NOT NULL,
            private         INTEGER NOT NULL,
            expires_unix_ms INTEGER,
            created_unix_ms INTEGER NOT NULL,
            revoked_unix_ms INTEGER
        );
        """,

        // v5: tokens used per key and budget period, so an in-process budget survives a router restart.
        """
        CREATE TABLE key_usage (
            key_id               TEXT    NOT NULL,
            period_start_unix_ms INTEGER NOT NULL,
            tokens               INTEGER NOT NULL,
            PRIMARY KEY (key_id, period_start_unix_ms)
        );
        """,

        // v6: counters bumped by triggers, so a process that sees the file change (PRAGMA data_version)
        // reloads keys or the registry only when those changed, not after every budget flush.
        """
        CREATE TABLE change_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO change_counters (name, value) VALUES ('keys', 0), ('registry', 0);
        CREATE TRIGGER virtual_keys_insert AFTER INSERT ON virtual_keys BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'keys'; END;
        CREATE TRIGGER virtual_keys_update AFTER UPDATE ON virtual_keys BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'keys'; END;
        CREATE TRIGGER virtual_keys_delete AFTER DELETE ON virtual_keys BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'keys'; END;
        CREATE TRIGGER backends_insert AFTER INSERT ON backends BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        CREATE TRIGGER backends_update AFTER UPDATE ON backends BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        CREATE TRIGGER backends_delete AFTER DELETE ON backends BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        CREATE TRIGGER model_aliases_insert AFTER INSERT ON model_aliases BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        CREATE TRIGGER model_aliases_update AFTER UPDATE ON model_aliases BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        CREATE TRIGGER model_aliases_delete AFTER DELETE ON model_aliases BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'registry'; END;
        """,
    ];

    public static int Latest => Migrations.Count;
}
