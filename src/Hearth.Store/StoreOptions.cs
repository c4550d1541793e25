namespace Hearth.Store;

/// <summary>Where the model store lives and which clock stamps its entries.</summary>
public sealed class StoreOptions
{
    /// <summary>Environment variable that overrides the default home folder.</summary>
    public const string HomeVariable = "HEARTH_HOME";

    /// <summary>
    /// Root folder of the store. Default: <c>$HEARTH_HOME</c> when set, otherwise <c>~/.hearth</c>.
    /// Layout: <c>registry.db</c> (SQLite), <c>models/blobs/sha256-&lt;hex&gt;</c> (content-addressed
    /// model files), <c>models/partial/</c> (downloads in progress, kept for resume).
    /// </summary>
    public string Home { get; set; } = DefaultHome();

    /// <summary>Clock that stamps <see cref="ModelEntry.Added"/>; tests inject a fake one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// How long a registry operation waits for another process holding the SQLite write lock
    /// before failing (SQLite busy timeout). Default 10 s: registry writes take milliseconds, so
    /// only a stuck process holds the lock that long.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The default home: <c>$HEARTH_HOME</c>, else <c>~/.hearth</c>.</summary>
    public static string DefaultHome()
    {
        var env = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return Path.GetFullPath(env);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hearth");
    }
}
