using System.ClientModel;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Hearth.Testing;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Hearth.Cli.Tests;

/// <summary>
/// Microsoft.Extensions.AI's function invocation against a real <c>hearth serve</c> process: the model calls the
/// function, the function's result goes back, the model answers. The model has random weights, so the first turn asks
/// for a call (<see cref="ChatToolMode.RequireAny"/>, enforced by constrained sampling, with an argument schema of an
/// enum and a boolean); FunctionInvokingChatClient then drops the required mode for the next turn (it always does, to
/// avoid endless calls), where the model, free to answer, writes text (gibberish, which has no tool-call marker).
/// </summary>
public sealed partial class ToolRoundTripTests
{
    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    private readonly List<(string City, bool Celsius)> calls = [];

    [Description("Current weather in a city")]
    private string GetWeather([Description("The city")] City city, [Description("Celsius, not Fahrenheit")] bool celsius)
    {
        calls.Add((city.ToString(), celsius));
        return celsius ? "18 C and sunny" : "64 F and sunny";
    }

    public enum City
    {
        Paris,
        Oslo,
    }

    private static async Task Drain(StreamReader reader, System.Text.StringBuilder log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    [Fact]
    public async Task Function_invoking_client_completes_a_call_and_answer_round_trip()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "hearth.dll"), "serve", "--port", "0", "--parallel", "1",
            "--model", SharedData.ReferenceModel("qwen2-bpe-q8_0.gguf"),
            "--chat-template", SharedData.Path("chat-templates", "Qwen-Qwen2.5-7B-Instruct.jinja"),
        })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HEARTH_API_KEY"] = string.Empty;
        using var process = Process.Start(start)!;
        try
        {
            Match match;
            do
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                if (line is null)
                {
                    Assert.Fail("hearth serve exited: " + await process.StandardError.ReadToEndAsync());
                }

                match = ListeningLine().Match(line!);
            }
            while (!match.Success);

            // Keep reading the server's output (its request logs), or a full pipe would stall it.
            var log = new System.Text.StringBuilder();
            _ = Drain(process.StandardOutput, log);
            _ = Drain(process.StandardError, log);

            var openai = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(new Uri(match.Groups[1].Value), "/v1") });
            using var client = new ChatClientBuilder(openai.GetChatClient("qwen2-bpe-q8_0").AsIChatClient()).UseFunctionInvocation().Build();
            var options = new ChatOptions
            {
                Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")],
                ToolMode = ChatToolMode.RequireAny,
                AllowMultipleToolCalls = false,
                MaxOutputTokens = 200,
                Seed = 1,
            };

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")], options, timeout.Token);

            var call = Assert.Single(calls);
            Assert.Contains(call.City, new[] { "Paris", "Oslo" });
            var messages = response.Messages;
            var requested = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Equal("get_weather", requested.Name);
            var result = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
            Assert.Equal(requested.CallId, result.CallId);
            Assert.Equal(call.Celsius ? "18 C and sunny" : "64 F and sunny", result.Result?.ToString());
            Assert.Equal(ChatRole.Assistant, messages[^1].Role);
            Assert.False(string.IsNullOrWhiteSpace(messages[^1].Text));
            Assert.Empty(messages[^1].Contents.OfType<FunctionCallContent>());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
