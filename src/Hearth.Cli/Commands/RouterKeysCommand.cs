using System.CommandLine;
using System.Globalization;
using Hearth.Router.Access;
using Hearth.Router.Registry;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth router keys create|list|revoke</c>: virtual keys, straight on the router database
/// (<c>--db</c>, else $SQLITE_DB_PATH, else $HEARTH_HOME/router.db). A running router picks the change up
/// within a second. The key is printed once, by create, and cannot be shown again.
/// </summary>
public static class RouterKeysCommand
{
    public static Command Create()
    {
        var db = new Option<string?>("--db") { Description = "Router database (default: $SQLITE_DB_PATH, else $HEARTH_HOME/router.db).", Recursive = true };
        var command = new Command("keys", "Create, list and revoke the router's virtual keys.");
        command.Options.Add(db);
        command.Subcommands.Add(CreateCommand(db));
        command.Subcommands.Add(ListCommand(db));
        command.Subcommands.Add(RevokeCommand(db));
        return command;
    }

    private static KeyStore Open(ParseResult parse, Option<string?> db) =>
        new(RouterDatabase.Open(RouterDatabase.ResolvePath(parse.GetValue(db))), TimeProvider.System);

    private static Command CreateCommand(Option<string?> db)
    {
        var name = new Option<string?>("--name") { Description = "A label shown by 'keys list'." };
        var models = new Option<string[]>("--models", "-m") { Description = "Models the key may use (repeat or comma-separate; default: all).", AllowMultipleArgumentsPerToken = true };
        var rpm = new Option<long?>("--rpm") { Description = "Requests per minute." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens per minute." };
        var budget = new Option<long?>("--budget-tokens") { Description = "Tokens per budget period." };
        var period = new Option<string>("--budget-period") { Description = "hour, day, week or month (UTC calendar).", DefaultValueFactory = _ => "month" };
        var isPrivate = new Option<bool>("--private") { Description = "Never send this key's requests to external backends." };
        var expires = new Option<string?>("--expires") { Description = "Expiry as RFC 3339, e.g. 2026-12-31T23:59:59Z." };
        var command = new Command("create", "Create a key and print it (once: it is stored only as a keyed hash).");
        foreach (var o in new Option[] { name, models, rpm, tpm, budget, period, isPrivate, expires })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            var spec = BuildSpec(
                parse.GetValue(name),
                parse.GetValue(models),
                parse.GetValue(rpm),
                parse.GetValue(tpm),
                parse.GetValue(budget),
                parse.GetValue(period),
                parse.GetValue(isPrivate),
                parse.GetValue(expires));
            var created = Open(parse, db).Create(spec);
            Console.WriteLine(created.Secret);
            Console.Error.WriteLine($"created {created.Key.Id}: save the key above now, it cannot be shown again");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The spec from the command line; <see cref="ArgumentException"/> (exit code InvalidInput) on bad values.</summary>
    internal static KeySpec BuildSpec(string? name, string[]? models, long? rpm, long? tpm, long? budget, string? period, bool isPrivate, string? expires)
    {
        var list = models?.SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        if (!Enum.TryParse<BudgetPeriod>(period ?? "month", ignoreCase: true, out var p) || !Enum.IsDefined(p) || int.TryParse(period, out _))
        {
            throw new ArgumentException($"--budget-period: must be hour, day, week or month, not '{period}'");
        }

        DateTimeOffset? expiry = null;
        if (expires is not null)
        {
            if (!Rfc3339.TryParse(expires, out var e))
            {
                throw new ArgumentException($"--expires: not an RFC 3339 timestamp: '{expires}' (example: 2026-12-31T23:59:59Z)");
            }

            expiry = e;
        }

        return new KeySpec(name, list is { Length: > 0 } ? list : null, rpm, tpm, budget, p, isPrivate, expiry);
    }

    private static Command ListCommand(Option<string?> db)
    {
        var command = new Command("list", "List keys (prefix and limits; never the key).");
        command.Aliases.Add("ls");
        command.SetAction(parse =>
        {
            var keys = Open(parse, db).List();
            if (keys.Count == 0)
            {
                Console.WriteLine("no keys yet: create one with 'hearth router keys create'");
                return ExitCodes.Ok;
            }

            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-21} {1,-10} {2,-16} {3,-20} {4,-26} {5}", "ID", "PREFIX", "NAME", "MODELS", "LIMITS", "STATUS"));
            foreach (var k in keys)
            {
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-21} {1,-10} {2,-16} {3,-20} {4,-26} {5}",
                    k.Id, k.Prefix + "…", k.Name ?? "-", k.Spec.Models is { Count: > 0 } m ? string.Join(',', m) : "*", Limits(k.Spec), Status(k)));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RevokeCommand(Option<string?> db)
    {
        var id = new Argument<string>("id") { Description = "The key's id (from 'keys list')." };
        var command = new Command("revoke", "Revoke a key: requests with it get 401 from then on.");
        command.Arguments.Add(id);
        command.SetAction(parse =>
        {
            var keyId = parse.GetValue(id)!;
            if (!Open(parse, db).Revoke(keyId))
            {
                Console.Error.WriteLine($"error: no active key with id '{keyId}'");
                return ExitCodes.InvalidInput;
            }

            Console.WriteLine($"revoked {keyId}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Limits(KeySpec s)
    {
        var parts = new List<string>();
        if (s.Rpm is { } rpm)
        {
            parts.Add(FormattableString.Invariant($"{rpm} rpm"));
        }

        if (s.Tpm is { } tpm)
        {
            parts.Add(FormattableString.Invariant($"{tpm} tpm"));
        }

        if (s.BudgetTokens is { } b)
        {
            parts.Add(FormattableString.Invariant($"{b}/{s.BudgetPeriod.ToString().ToLowerInvariant()}"));
        }

        if (s.Private)
        {
            parts.Add("private");
        }

        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }

    private static string Status(VirtualKey k) =>
        k.Revoked is { } r ? "revoked " + Rfc3339.Format(r)
        : k.Spec.Expires is { } e ? (e <= DateTimeOffset.UtcNow ? "expired " : "expires ") + Rfc3339.Format(e)
        : "active";
}
