using System.CommandLine;
using Hearth.Cli;
using Hearth.Cli.Commands;
using Hearth.Router.Access;
using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Access;

/// <summary><c>hearth router keys</c> through its command object, on a real database file.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class RouterKeysCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string Db => dir.File("cli/router.db");

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var root = new RootCommand { RouterKeysCommand.Create() };
            var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public async Task Create_prints_the_key_once_list_shows_only_the_prefix_and_revoke_revokes()
    {
        var (code, output, err) = await RunAsync("keys", "create", "--db", Db, "--name", "ci", "--models", "chat,embed", "--rpm", "60",
            "--budget-tokens", "1000", "--budget-period", "day", "--private", "--expires", "2099-01-01T00:00:00Z");
        Assert.Equal(ExitCodes.Ok, code);
        var key = output.Trim();
        Assert.StartsWith("hk-", key, StringComparison.Ordinal);
        Assert.Contains("cannot be shown again", err, StringComparison.Ordinal);

        // the key is the router's: a gate over the same file admits it for its models only
        var store = new KeyStore(RouterDatabase.Open(Db), TimeProvider.System);
        var stored = Assert.Single(store.List());
        Assert.Equal(["chat", "embed"], stored.Spec.Models);
        Assert.Equal(60, stored.Spec.Rpm);
        Assert.Equal(BudgetPeriod.Day, stored.Spec.BudgetPeriod);
        Assert.True(stored.Spec.Private);
        var gate = new RequestGate(new KeyDirectory(store), new InMemoryRateLimiter(), null, false, TimeProvider.System);
        Assert.Equal(GateOutcome.Allowed, (await gate.AdmitAsync(key, "embed", default)).Outcome);
        Assert.Equal(GateOutcome.Forbidden, (await gate.AdmitAsync(key, "other", default)).Outcome);

        var (listCode, list, _) = await RunAsync("keys", "list", "--db", Db);
        Assert.Equal(ExitCodes.Ok, listCode);
        Assert.Contains(stored.Id, list, StringComparison.Ordinal);
        Assert.Contains(key[..8] + "…", list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.Contains("60 rpm, 1000/day, private", list, StringComparison.Ordinal);
        Assert.Contains("expires 2099-01-01T00:00:00Z", list, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, (await RunAsync("keys", "revoke", stored.Id, "--db", Db)).Code);
        var (again, _, againErr) = await RunAsync("keys", "revoke", stored.Id, "--db", Db);
        Assert.Equal(ExitCodes.InvalidInput, again);
        Assert.Contains("no active key", againErr, StringComparison.Ordinal);
        Assert.Contains("revoked 20", (await RunAsync("keys", "list", "--db", Db)).Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--expires", "tomorrow", "--expires")]
    [InlineData("--budget-period", "fortnight", "--budget-period")]
    [InlineData("--rpm", "0", "rpm")]
    public async Task Bad_values_are_argument_errors_naming_the_option(string option, string value, string named)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync("keys", "create", "--db", Db, option, value));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Empty(new KeyStore(RouterDatabase.Open(Db), TimeProvider.System).List());
    }

    [Fact]
    public async Task List_on_an_empty_database_says_how_to_create_a_key()
    {
        var (code, output, _) = await RunAsync("keys", "list", "--db", Db);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("hearth router keys create", output, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
