using Hearth.Router.Backends;
using Hearth.Router.Config;
using Hearth.Router.Routing;

namespace Hearth.Router.Tests.Routing;

public sealed class StrategyTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<RouteCandidate> Candidates(params BackendState[] states) => [.. states.Select(s => new RouteCandidate(s, "m"))];

    private static string First(IRoutingStrategy strategy, List<RouteCandidate> set, RoutingRequest request = default)
    {
        var copy = set.ToList();
        strategy.Order(copy, request);
        return copy[0].Backend.Name;
    }

    [Fact]
    public void Round_robin_follows_weights()
    {
        var set = Candidates(new BackendState("a", weight: 1), new BackendState("b", weight: 3));
        var rr = new RoundRobin();
        var firsts = Enumerable.Range(0, 8).Select(_ => First(rr, set)).ToList();
        Assert.Equal(2, firsts.Count(f => f == "a"));
        Assert.Equal(6, firsts.Count(f => f == "b"));
    }

    [Fact]
    public void Least_busy_prefers_fewest_in_flight_per_weight()
    {
        var a = new BackendState("a");
        var b = new BackendState("b");
        var c = new BackendState("c", weight: 4);
        a.Enter();
        a.Enter();
        b.Enter();
        c.Enter();
        c.Enter();
        var order = Candidates(a, b, c);
        new LeastBusy().Order(order, default);
        Assert.Equal(["c", "b", "a"], order.Select(o => o.Backend.Name));
    }

    [Fact]
    public void Least_busy_spreads_ties_instead_of_always_picking_the_first()
    {
        var set = Candidates(new BackendState("a"), new BackendState("b"));
        var strategy = new LeastBusy();
        Assert.Equal(2, Enumerable.Range(0, 4).Select(_ => First(strategy, set)).Distinct().Count());
    }

    [Fact]
    public void Latency_prefers_the_lowest_smoothed_time_to_first_token_and_measures_unknown_backends_first()
    {
        var slow = new BackendState("slow");
        var fast = new BackendState("fast");
        var fresh = new BackendState("fresh");
        slow.RecordTtft(TimeSpan.FromMilliseconds(900));
        fast.RecordTtft(TimeSpan.FromMilliseconds(100));
        var order = Candidates(slow, fast, fresh);
        new Latency().Order(order, default);
        Assert.Equal(["fresh", "fast", "slow"], order.Select(o => o.Backend.Name));
    }

    [Fact]
    public void The_ttft_average_moves_a_fifth_of_the_way_to_each_sample()
    {
        var s = new BackendState("s");
        Assert.True(double.IsNaN(s.TtftSeconds));
        s.RecordTtft(TimeSpan.FromSeconds(1));
        s.RecordTtft(TimeSpan.FromSeconds(2));
        Assert.Equal(1.2, s.TtftSeconds, 9);
    }

    [Fact]
    public void Session_affinity_keeps_a_session_on_one_backend_and_spreads_sessions()
    {
        var set = Candidates(new BackendState("a"), new BackendState("b"), new BackendState("c"));
        var strategy = new SessionAffinity();
        var chosen = Enumerable.Range(0, 60).Select(i => First(strategy, set, new RoutingRequest("m", "user-" + i, null))).ToList();
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(chosen[i], First(strategy, set, new RoutingRequest("m", "user-" + i, null)));
        }

        Assert.Equal(3, chosen.Distinct().Count());
    }

    [Fact]
    public void Session_affinity_moves_only_the_sessions_of_a_backend_that_left()
    {
        var a = new BackendState("a");
        var b = new BackendState("b");
        var c = new BackendState("c");
        var strategy = new SessionAffinity();
        var all = Candidates(a, b, c);
        var withoutC = Candidates(a, b);
        for (var i = 0; i < 50; i++)
        {
            var request = new RoutingRequest("m", "s" + i, null);
            var before = First(strategy, all, request);
            if (before != "c")
            {
                Assert.Equal(before, First(strategy, withoutC, request));
            }
        }
    }

    [Fact]
    public void Prefix_affinity_sends_a_shared_prompt_prefix_to_the_same_backend()
    {
        var set = Candidates(new BackendState("a"), new BackendState("b"), new BackendState("c"), new BackendState("d"));
        var strategy = new PrefixAffinity(prefixTokens: 8);
        var system = "You are a helpful assistant for ACME support. ";
        var first = First(strategy, set, new RoutingRequest("m", null, system + "question one"));
        Assert.Equal(first, First(strategy, set, new RoutingRequest("m", null, system + "a different question")));
        var prompts = Enumerable.Range(0, 40).Select(i => $"Prompt {i} is about something else entirely").ToList();
        Assert.True(prompts.Select(p => First(strategy, set, new RoutingRequest("m", null, p))).Distinct().Count() >= 3);
    }

    [Fact]
    public void The_hash_ring_moves_only_the_removed_backends_keys()
    {
        var full = new HashRing([("a", 1), ("b", 1), ("c", 1)]);
        var partial = new HashRing([("a", 1), ("b", 1)]);
        var moved = 0;
        for (ulong k = 0; k < 2000; k++)
        {
            var key = StableHash.Mix(k);
            var before = full.Walk(key).First();
            var after = partial.Walk(key).First();
            if (before != "c")
            {
                Assert.Equal(before, after);
            }
            else
            {
                moved++;
            }
        }

        Assert.InRange(moved, 400, 950); // about a third of the keys were c's
    }

    [Fact]
    public void Load_aware_prefers_the_backend_with_the_least_queue_and_kv_pressure()
    {
        var queued = new BackendState("queued") { Load = new LoadSample(Waiting: 5, Running: 4, KvCacheUsage: 0.5) };
        var full = new BackendState("kv-full") { Load = new LoadSample(Waiting: 0, Running: 2, KvCacheUsage: 0.98) };
        var idle = new BackendState("idle") { Load = new LoadSample(0, 1, 0.1) };
        var order = Candidates(queued, full, idle);
        new LoadAware().Order(order, default);
        Assert.Equal(["idle", "kv-full", "queued"], order.Select(o => o.Backend.Name));
    }

    [Fact]
    public void Load_samples_are_read_from_hearth_and_vllm_metrics()
    {
        var hearth = LoadSample.Parse("""
            # HELP hearth_queue_depth Requests waiting for a slot
            # TYPE hearth_queue_depth gauge
            hearth_queue_depth 3
            hearth_active_slots 4
            hearth_requests_total{route="/v1/chat/completions",status="200"} 12
            """);
        Assert.Equal(new LoadSample(3, 4, 0), hearth);
        var vllm = LoadSample.Parse("""
            vllm:num_requests_waiting{model_name="a"} 2.0
            vllm:num_requests_waiting{model_name="b"} 1.0
            vllm:num_requests_running{model_name="a"} 7.0 1700000000000
            vllm:gpu_cache_usage_perc{model_name="a"} 0.25
            vllm:gpu_cache_usage_perc{model_name="b"} 0.75
            """);
        Assert.Equal(new LoadSample(3, 7, 0.75), vllm);
    }

    [Fact]
    public void Tiers_spill_local_then_cluster_then_external_and_busy_backends_go_last()
    {
        var local = new BackendState("local", BackendTier.Local, maxConcurrency: 1);
        var cluster = new BackendState("cluster", BackendTier.Cluster);
        var external = new BackendState("external", BackendTier.External);
        var set = Candidates(external, cluster, local);
        var plan = TierPlanner.Plan(set, default, new LeastBusy(), privateKey: false, latencyBudget: null, Now);
        Assert.Equal(["local", "cluster", "external"], plan.Select(p => p.Backend.Name));

        local.Enter(); // at max_concurrency: the request spills to the cluster first
        plan = TierPlanner.Plan(set, default, new LeastBusy(), privateKey: false, latencyBudget: null, Now);
        Assert.Equal(["cluster", "external", "local"], plan.Select(p => p.Backend.Name));
    }

    [Fact]
    public void Private_keys_never_reach_external_backends()
    {
        var set = Candidates(new BackendState("local", BackendTier.Local), new BackendState("external", BackendTier.External));
        var plan = TierPlanner.Plan(set, default, new RoundRobin(), privateKey: true, latencyBudget: null, Now);
        Assert.Equal(["local"], plan.Select(p => p.Backend.Name));
    }

    [Fact]
    public void Over_the_latency_budget_a_tier_counts_as_busy()
    {
        var local = new BackendState("local", BackendTier.Local);
        var cluster = new BackendState("cluster", BackendTier.Cluster);
        local.RecordTtft(TimeSpan.FromSeconds(3));
        var plan = TierPlanner.Plan(Candidates(local, cluster), default, new LeastBusy(), false, TimeSpan.FromSeconds(1), Now);
        Assert.Equal(["cluster", "local"], plan.Select(p => p.Backend.Name));
    }

    [Fact]
    public void Unhealthy_and_open_circuit_backends_are_left_out_until_the_break_ends()
    {
        var down = new BackendState("down") { Healthy = false };
        var broken = new BackendState("broken");
        var fine = new BackendState("fine");
        broken.OpenCircuit(Now.AddSeconds(10));
        var set = Candidates(down, broken, fine);
        Assert.Equal(["fine"], TierPlanner.Plan(set, default, new LeastBusy(), false, null, Now).Select(p => p.Backend.Name));
        Assert.Contains("broken", TierPlanner.Plan(set, default, new LeastBusy(), false, null, Now.AddSeconds(11)).Select(p => p.Backend.Name));
    }

    [Theory]
    [InlineData(RoutingStrategyKind.RoundRobin, typeof(RoundRobin))]
    [InlineData(RoutingStrategyKind.LeastBusy, typeof(LeastBusy))]
    [InlineData(RoutingStrategyKind.Latency, typeof(Latency))]
    [InlineData(RoutingStrategyKind.SessionAffinity, typeof(SessionAffinity))]
    [InlineData(RoutingStrategyKind.PrefixAffinity, typeof(PrefixAffinity))]
    [InlineData(RoutingStrategyKind.LoadAware, typeof(LoadAware))]
    public void Each_configured_strategy_has_its_class(RoutingStrategyKind kind, Type type) =>
        Assert.IsType(type, TierPlanner.Create(new RoutingOptions { Strategy = kind }));
}
