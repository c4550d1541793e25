namespace Hearth.Store.Registry;

/// <summary>
/// The registry schema as an append-only list of migrations: entry i moves PRAGMA user_version
/// from i to i+1. Never edit a shipped step; add a new one.
/// </summary>
internal static class RegistrySchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        // v1: one row per name:tag; blobs are shared by sha256 (two tags may point at one file).
        """
        CREATE TABLE models (
            name          TEXT    NOT NULL,
            tag           TEXT    NOT NULL,
            path          TEXT    NOT NULL,
            sha256        TEXT    NOT NULL,
            size          INTEGER NOT NULL,
            architecture  TEXT,
            file_type     TEXT,
            type_mix      TEXT    NOT NULL,   -- JSON: {"Q4_K": {"tensors": 10, "bytes": 123}, ...}
            source        TEXT    NOT NULL,   -- URL or local path
            added_unix_ms INTEGER NOT NULL,
            PRIMARY KEY (name, tag)
        );
        CREATE INDEX models_sha256 ON models (sha256);
        """,
    ];
}
