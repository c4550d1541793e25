using System.Text;
using Hearth.Router.Access;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Access;

public sealed class KeyStoreTests : IDisposable
{
    private readonly RouterFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Create_returns_a_random_key_once_and_stores_only_its_HMAC()
    {
        var spec = new KeySpec("ci", ["chat"], Rpm: 10, Tpm: 1000, BudgetTokens: 50_000, BudgetPeriod.Day, Private: true,
            Expires: fx.Time.GetUtcNow().AddDays(30));
        var a = fx.Store.Create(spec);
        var b = fx.Store.Create(spec);

        Assert.StartsWith("hk-", a.Secret, StringComparison.Ordinal);
        Assert.Equal(35, a.Secret.Length);
        Assert.NotEqual(a.Secret, b.Secret);
        Assert.Equal(a.Secret[..8], a.Key.Prefix);
        var listed = fx.Store.List();
        Assert.Equal(2, listed.Count);
        Assert.Equal(spec with { Models = listed[0].Spec.Models }, listed[0].Spec);
        Assert.Equal(["chat"], listed[0].Spec.Models);
        Assert.Null(listed[0].Revoked);

        // Neither the key nor its random part is anywhere in the database files.
        var bytes = Directory.GetFiles(Path.GetDirectoryName(fx.DatabasePath)!, "router.db*").SelectMany(File.ReadAllBytes).ToArray();
        var text = Encoding.Latin1.GetString(bytes);
        Assert.DoesNotContain(a.Secret[3..], text, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexString(fx.Store.Hasher.Hash(a.Secret)), fx.Store.LoadAll().Select(k => k.HashHex));
    }

    [Fact]
    public void Revoke_marks_the_key_once()
    {
        var created = fx.Store.Create(new KeySpec());
        Assert.True(fx.Store.Revoke(created.Key.Id));
        Assert.False(fx.Store.Revoke(created.Key.Id));
        Assert.False(fx.Store.Revoke("key_nope"));
        Assert.Equal(fx.Time.GetUtcNow().ToUnixTimeMilliseconds(), fx.Store.List()[0].Revoked!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Invalid_specs_report_every_problem()
    {
        var spec = new KeySpec(Models: ["", "ok"], Rpm: 0, Tpm: -5, Expires: fx.Time.GetUtcNow().AddSeconds(-1));
        var errors = spec.Validate(fx.Time.GetUtcNow());
        Assert.Equal(["models[0]", "rpm", "tpm", "expires"], errors.Select(e => e.Param));
        var ex = Assert.Throws<ArgumentException>(() => fx.Store.Create(spec));
        Assert.Contains("expires: must be in the future", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fx.Store.List());
    }

    [Theory]
    [InlineData("2026-12-31T23:59:59Z", true)]
    [InlineData("2026-12-31T23:59:59.25+02:00", true)]
    [InlineData("2026-12-31 23:59:59Z", false)]
    [InlineData("2026-12-31T23:59:59", false)]
    [InlineData("tomorrow", false)]
    public void Expiry_must_be_RFC_3339(string text, bool valid) => Assert.Equal(valid, Rfc3339.TryParse(text, out _));
}
