using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// Builds the real runtime image once per test run with <c>hearth pack runtime</c> (self-contained
/// publish for linux-x64 and linux-arm64 on the Debian-package base) into an OCI layout. The
/// packager cache (publish output, .deb files, apt lists) lives under <c>.build/pack-test-home</c>,
/// so later runs reuse the publish while no source file changed.
/// </summary>
public sealed class RuntimeImageFixture : IAsyncLifetime
{
    private readonly TempDir dir = new();

    public string Home { get; } = Path.Combine(SharedData.RepoRoot, ".build", "pack-test-home");

    public string Layout => Path.Combine(dir.Path, "runtime");

    public string Digest { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var (code, stdout, stderr) = await Tools.HearthAsync("022", new Dictionary<string, string> { ["HEARTH_HOME"] = Home }, SharedData.RepoRoot,
            TimeSpan.FromMinutes(30), // two self-contained publishes on a busy machine
            "pack", "runtime", "--output", "oci:" + Layout);
        Assert.True(code == 0, "hearth pack runtime failed: " + stderr);
        Digest = stdout.Trim();
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RuntimeImageCollection : ICollectionFixture<RuntimeImageFixture>
{
    public const string Name = "runtime image";
}
