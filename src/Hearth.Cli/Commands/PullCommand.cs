using System.CommandLine;
using Hearth.Store;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth pull &lt;https-url | hf.co/owner/repo[:QUANT]&gt;</c>: downloads a GGUF into the store with a
/// progress bar; an interrupted pull resumes when run again.
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var reference = new Argument<string>("source")
        {
            Description = "https://…/file.gguf[#sha256=<hex>] or hf.co/owner/repo[:QUANT] (default quant Q4_K_M; hub: $HEARTH_HF_ENDPOINT, token $HF_TOKEN).",
        };
        var name = new Option<string?>("--name", "-n") { Description = "Register under this name (default: file name, or hf.co/owner/repo:quant)." };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of the file; a mismatch removes the download." };
        var command = new Command("pull", "Download a GGUF model into the store.");
        command.Arguments.Add(reference);
        command.Options.Add(name);
        command.Options.Add(sha256);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var store = StoreConsole.OpenStore();
            using var http = new HttpClient();
            http.DefaultRequestHeaders.UserAgent.ParseAdd("hearth/0.1");
            var puller = new ModelPuller(store, http);
            var source = parseResult.GetValue(reference)!;
            ModelEntry entry;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                entry = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                        new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("pulling manifest", maxValue: 1);
                        var bar = new ProgressBar(task);
                        return await puller.PullAsync(source, parseResult.GetValue(name), parseResult.GetValue(sha256), bar, cancellationToken).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                entry = await puller.PullAsync(source, parseResult.GetValue(name), parseResult.GetValue(sha256), new StageLines(), cancellationToken).ConfigureAwait(false);
            }

            Console.WriteLine($"pulled '{entry.FullName}' ({StoreConsole.FormatSize(entry.Size)}, {entry.DisplayType ?? "?"}, {entry.Architecture ?? "unknown architecture"}, sha256:{entry.Sha256})");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Feeds the Spectre progress task; called on the download thread (ProgressTask is thread-safe).</summary>
    private sealed class ProgressBar(ProgressTask task) : IProgress<PullProgress>
    {
        public void Report(PullProgress value)
        {
            task.Description = Markup.Escape(Shorten(value.Status));
            if (value.Stage == PullStage.Downloading && value.Total is > 0 and var total)
            {
                task.MaxValue = total;
                task.Value = value.Completed;
            }
            else if (value.Stage == PullStage.Success)
            {
                task.Value = task.MaxValue;
            }
        }

        private static string Shorten(string status) => status.Length > 40 ? status[..40] + "…" : status;
    }

    /// <summary>Without a terminal (logs, CI): one line per stage, no bar.</summary>
    private sealed class StageLines : IProgress<PullProgress>
    {
        private string? last;

        public void Report(PullProgress value)
        {
            if (value.Status != last)
            {
                last = value.Status;
                Console.Error.WriteLine(value.Status);
            }
        }
    }
}
