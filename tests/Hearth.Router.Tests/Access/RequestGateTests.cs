using Hearth.Router.Access;
using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Router.Tests.Access;

public sealed class RequestGateTests : IDisposable
{
    private readonly RouterFixture fx = new();

    public void Dispose() => fx.Dispose();

    private static ValueTask<GateDecision> Admit(IRequestGate gate, string? key, string model = "chat") =>
        gate.AdmitAsync(key, model, CancellationToken.None);

    [Fact]
    public async Task Without_keys_the_router_is_open_and_the_first_key_closes_it()
    {
        var gate = fx.MemoryGate();
        var open = await Admit(gate, null);
        Assert.Equal(GateOutcome.Allowed, open.Outcome);
        Assert.Null(open.Key);
        Assert.Equal(GateOutcome.Allowed, (await Admit(gate, "sk-anything")).Outcome);

        var key = fx.CreateKey(new KeySpec());

        Assert.Equal(GateOutcome.Unauthorized, (await Admit(gate, null)).Outcome);
        Assert.Equal(GateOutcome.Unauthorized, (await Admit(gate, "sk-anything")).Outcome);
        var ok = await Admit(gate, key);
        Assert.Equal(GateOutcome.Allowed, ok.Outcome);
        Assert.Equal(key[..8], ok.Key!.Prefix);
        Assert.False(ok.Key.IsMaster);
    }

    [Fact]
    public async Task RequireKeys_refuses_keyless_requests_even_before_any_key_exists()
    {
        var gate = fx.MemoryGate(requireKeys: true);
        var d = await Admit(gate, null);
        Assert.Equal(GateOutcome.Unauthorized, d.Outcome);
        Assert.Contains("Missing API key", d.Message, StringComparison.Ordinal);
        Assert.Equal(GateOutcome.Allowed, (await Admit(gate, RouterFixture.MasterKey)).Outcome);
    }

    [Fact]
    public async Task The_master_key_is_accepted_for_every_model_without_limits()
    {
        fx.CreateKey(new KeySpec(Models: ["chat"], Rpm: 1));
        var gate = fx.MemoryGate();
        for (var i = 0; i < 5; i++)
        {
            var d = await Admit(gate, RouterFixture.MasterKey, "any-model");
            Assert.Equal(GateOutcome.Allowed, d.Outcome);
            Assert.True(d.Key!.IsMaster);
        }

        Assert.True(gate.IsMaster(RouterFixture.MasterKey));
        Assert.False(gate.IsMaster(RouterFixture.MasterKey + "x"));
        Assert.False(gate.IsMaster(null));
    }

    [Fact]
    public async Task Revoked_and_expired_keys_are_unauthorized_and_other_models_forbidden()
    {
        var gate = fx.MemoryGate();
        var revoked = fx.Store.Create(new KeySpec());
        var expiring = fx.CreateKey(new KeySpec(Expires: fx.Time.GetUtcNow().AddMinutes(5)));
        var narrow = fx.CreateKey(new KeySpec(Models: ["chat"], Private: true));
        fx.Store.Revoke(revoked.Key.Id);
        fx.Keys.Reload();

        var r = await Admit(gate, revoked.Secret);
        Assert.Equal(GateOutcome.Unauthorized, r.Outcome);
        Assert.Contains("revoked", r.Message, StringComparison.Ordinal);
        Assert.Equal(GateOutcome.Allowed, (await Admit(gate, expiring)).Outcome);
        fx.Time.Advance(TimeSpan.FromMinutes(5));
        var e = await Admit(gate, expiring);
        Assert.Equal(GateOutcome.Unauthorized, e.Outcome);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);

        var allowed = await Admit(gate, narrow, "chat");
        Assert.Equal(GateOutcome.Allowed, allowed.Outcome);
        Assert.True(allowed.Key!.Private);
        Assert.Equal(["chat"], allowed.Key.Models);
        var f = await Admit(gate, narrow, "other");
        Assert.Equal(GateOutcome.Forbidden, f.Outcome);
        Assert.Contains("'other'", f.Message, StringComparison.Ordinal);
        Assert.Equal(GateOutcome.Unauthorized, (await Admit(gate, "hk-" + new string('a', 32))).Outcome);
    }

    [Fact]
    public async Task A_key_made_by_another_process_works_after_the_next_poll()
    {
        var gate = fx.MemoryGate();
        fx.CreateKey(new KeySpec()); // keys are on

        // What `hearth router keys create` does: its own connection to the same file.
        var cli = new KeyStore(RouterDatabase.Open(fx.DatabasePath), TimeProvider.System).Create(new KeySpec());
        Assert.Equal(GateOutcome.Unauthorized, (await Admit(gate, cli.Secret)).Outcome);

        fx.Time.Advance(DatabaseWatcher.DefaultInterval);
        Assert.Equal(GateOutcome.Allowed, (await Admit(gate, cli.Secret)).Outcome);

        new KeyStore(RouterDatabase.Open(fx.DatabasePath), TimeProvider.System).Revoke(cli.Key.Id);
        fx.Time.Advance(DatabaseWatcher.DefaultInterval);
        Assert.Equal(GateOutcome.Unauthorized, (await Admit(gate, cli.Secret)).Outcome);
    }

    [Fact]
    public void Budget_flushes_by_other_processes_do_not_reload_the_keys()
    {
        var before = fx.Keys.Reloads;
        using (var otherReplica = new BudgetLedger(RouterDatabase.Open(fx.DatabasePath), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            otherReplica.Add("key_x", fx.Time.GetUtcNow(), 10);
        } // flushed: the file changed

        Assert.True(fx.Watcher.Poll());
        Assert.Equal(before, fx.Keys.Reloads);

        new KeyStore(RouterDatabase.Open(fx.DatabasePath), TimeProvider.System).Create(new KeySpec());
        Assert.True(fx.Watcher.Poll());
        Assert.Equal(before + 1, fx.Keys.Reloads);
    }

    [Fact]
    public async Task Rpm_admits_exactly_the_limit_per_sliding_minute_then_says_when_to_retry()
    {
        var gate = fx.MemoryGate();
        var key = fx.CreateKey(new KeySpec(Rpm: 3));

        for (var i = 2; i >= 0; i--)
        {
            var d = await Admit(gate, key);
            Assert.Equal(GateOutcome.Allowed, d.Outcome);
            Assert.Equal(i, d.RemainingRequests);
            Assert.Null(d.RemainingTokens);
        }

        var refused = await Admit(gate, key);
        Assert.Equal(GateOutcome.RateLimited, refused.Outcome);
        Assert.Equal(0, refused.RemainingRequests);
        // the three requests fell in the second starting 12:00:00; the clock is at 12:00:00.500
        Assert.Equal(TimeSpan.FromMilliseconds(59_500), refused.RetryAfter);

        fx.Time.Advance(TimeSpan.FromMilliseconds(59_499));
        Assert.Equal(GateOutcome.RateLimited, (await Admit(gate, key)).Outcome);
        fx.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(GateOutcome.Allowed, (await Admit(gate, key)).Outcome);
    }

    [Fact]
    public async Task Tpm_refuses_once_the_minute_used_its_tokens_and_recovers_as_buckets_expire()
    {
        var gate = fx.MemoryGate();
        var key = fx.CreateKey(new KeySpec(Tpm: 100));
        var first = await Admit(gate, key);
        Assert.Equal(100, first.RemainingTokens);
        await gate.RecordUsageAsync(first.Key!, 60, CancellationToken.None);
        fx.Time.Advance(TimeSpan.FromSeconds(10));
        var second = await Admit(gate, key);
        Assert.Equal(40, second.RemainingTokens);
        await gate.RecordUsageAsync(second.Key!, 50, CancellationToken.None);

        var refused = await Admit(gate, key);
        Assert.Equal(GateOutcome.RateLimited, refused.Outcome);
        Assert.Equal(0, refused.RemainingTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(49_500), refused.RetryAfter); // when the 60 tokens of 12:00:00 expire

        fx.Time.Advance(refused.RetryAfter!.Value);
        var again = await Admit(gate, key);
        Assert.Equal(GateOutcome.Allowed, again.Outcome);
        Assert.Equal(50, again.RemainingTokens);
    }

    [Fact]
    public async Task The_budget_lasts_a_calendar_period_and_resets_at_its_end()
    {
        var clock = fx.DetachedClock();
        var gate = fx.MemoryGate(clock: clock);
        var key = fx.CreateKey(new KeySpec(BudgetTokens: 1000, BudgetPeriod: BudgetPeriod.Day));
        var d = await Admit(gate, key);
        await gate.RecordUsageAsync(d.Key!, 1000, CancellationToken.None);

        var refused = await Admit(gate, key);
        Assert.Equal(GateOutcome.RateLimited, refused.Outcome);
        Assert.Contains("budget per day", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 6, 18, 0, 0, 0, TimeSpan.Zero) - clock.GetUtcNow(), refused.RetryAfter);

        clock.Advance(refused.RetryAfter!.Value);
        Assert.Equal(1000, (await Admit(gate, key)).RemainingTokens);
    }

    [Fact]
    public async Task An_in_process_budget_survives_a_restart_through_the_database()
    {
        var clock = fx.DetachedClock();
        var key = fx.CreateKey(new KeySpec(BudgetTokens: 1000, BudgetPeriod: BudgetPeriod.Month));
        using (var ledger = new BudgetLedger(fx.Database, clock, NullLogger.Instance))
        {
            var gate = new RequestGate(fx.Keys, new InMemoryRateLimiter(ledger), null, false, clock);
            var d = await Admit(gate, key);
            await gate.RecordUsageAsync(d.Key!, 600, CancellationToken.None);
            clock.Advance(BudgetLedger.DefaultFlushInterval); // the periodic flush
            await gate.RecordUsageAsync(d.Key!, 300, CancellationToken.None);
        } // dispose flushes the rest, as a clean shutdown does

        using var restarted = new BudgetLedger(fx.Database, clock, NullLogger.Instance);
        var after = new RequestGate(fx.Keys, new InMemoryRateLimiter(restarted), null, false, clock);
        var decision = await Admit(after, key);
        Assert.Equal(100, decision.RemainingTokens);
        await after.RecordUsageAsync(decision.Key!, 100, CancellationToken.None);
        Assert.Equal(GateOutcome.RateLimited, (await Admit(after, key)).Outcome);

        clock.Advance(TimeSpan.FromDays(14)); // July: a new period starts from zero
        Assert.Equal(1000, (await Admit(after, key)).RemainingTokens);
    }

    [Fact]
    public async Task Usage_of_the_master_key_or_an_unknown_id_is_ignored()
    {
        var gate = fx.MemoryGate();
        var master = (await Admit(gate, RouterFixture.MasterKey)).Key!;
        await gate.RecordUsageAsync(master, 10, CancellationToken.None);
        await gate.RecordUsageAsync(new KeyIdentity("key_gone", "hk-x", null, false, false), 10, CancellationToken.None);
    }

    [Theory]
    [InlineData(BudgetPeriod.Hour, "2026-06-17T12:00:00Z", "2026-06-17T13:00:00Z")]
    [InlineData(BudgetPeriod.Day, "2026-06-17T00:00:00Z", "2026-06-18T00:00:00Z")]
    [InlineData(BudgetPeriod.Week, "2026-06-15T00:00:00Z", "2026-06-22T00:00:00Z")]
    [InlineData(BudgetPeriod.Month, "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")]
    public void Budget_periods_are_UTC_calendar_periods(BudgetPeriod period, string start, string end)
    {
        var now = new DateTimeOffset(2026, 6, 17, 12, 34, 56, TimeSpan.Zero); // a Wednesday
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), BudgetPeriods.Start(period, now));
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), BudgetPeriods.End(period, now));
    }
}
