namespace Hearth.Instances.State;

/// <summary>
/// The schema, one step per version (PRAGMA user_version = index + 1). Steps are append-only: a released step is never
/// edited, so a database of any earlier version migrates by running the steps it lacks.
/// </summary>
internal static class Migrations
{
    public static readonly string[] Steps =
    [
        // v1: instance definitions.
        """
        CREATE TABLE instances (
            name    TEXT PRIMARY KEY,
            spec    TEXT NOT NULL,
            created TEXT NOT NULL
        );
        """,

        // v2: desired state kept apart from the definition (observed state is never stored: it is looked at).
        """
        ALTER TABLE instances ADD COLUMN desired TEXT NOT NULL DEFAULT 'stopped';
        """,

        // v3: the running process of each instance, so a restarted supervisor finds what it left behind.
        """
        CREATE TABLE processes (
            name        TEXT PRIMARY KEY,
            pid         INTEGER NOT NULL,
            sid         INTEGER NOT NULL,
            start_ticks INTEGER NOT NULL,
            port        INTEGER NOT NULL,
            run         INTEGER NOT NULL,
            started     TEXT NOT NULL
        );
        """,
    ];

    public static int Latest => Steps.Length;
}
