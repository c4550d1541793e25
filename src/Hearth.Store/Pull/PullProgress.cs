namespace Hearth.Store;

/// <summary>Stages of a pull, in order.</summary>
public enum PullStage
{
    Resolving,
    Downloading,
    Verifying,
    Registering,
    Success,
}

/// <summary>
/// One progress report of <see cref="ModelPuller.PullAsync"/>. <see cref="Status"/> is a short
/// human line in the style of Ollama's /api/pull stream ("pulling sha256:…", "verifying sha256
/// digest", "success"), so the server can forward it unchanged; byte counts are set while downloading.
/// </summary>
public sealed record PullProgress(PullStage Stage, string Status, long Completed = 0, long? Total = null, string? Digest = null);
