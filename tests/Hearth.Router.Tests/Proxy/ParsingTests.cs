using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Proxy;

namespace Hearth.Router.Tests.Proxy;

public sealed class ParsingTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void The_inspector_reads_model_stream_user_and_where_the_model_sits()
    {
        var body = U("""{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}],"model":"llama","stream":true,"user":"u1","temperature":0}""");
        Assert.True(RequestInspector.TryInspect(body, streamDefault: false, prefixChars: 100, out var info, out _));
        Assert.Equal(("llama", true, "u1"), (info.Model, info.Stream, info.User));
        Assert.Equal("\"llama\"", Encoding.UTF8.GetString(body, info.ModelStart, info.ModelLength));
        Assert.Contains("Be brief.", info.Prefix, StringComparison.Ordinal);
        Assert.Contains("Hi", info.Prefix, StringComparison.Ordinal);
    }

    [Fact]
    public void Ollama_routes_stream_unless_told_not_to()
    {
        Assert.True(RequestInspector.TryInspect(U("""{"model":"a"}"""), streamDefault: true, 0, out var info, out _));
        Assert.True(info.Stream);
        Assert.True(RequestInspector.TryInspect(U("""{"model":"a","stream":false}"""), streamDefault: true, 0, out info, out _));
        Assert.False(info.Stream);
    }

    [Theory]
    [InlineData("""{"model":""", null)]
    [InlineData("""[1,2]""", null)]
    [InlineData("""{"messages":[]}""", "model")]
    [InlineData("""{"model":42}""", "model")]
    [InlineData("""{"model":"a","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"a"} trailing""", null)]
    public void Malformed_json_and_wrong_types_are_problems_with_their_parameter(string body, string? param)
    {
        Assert.False(RequestInspector.TryInspect(U(body), false, 0, out _, out var problem));
        Assert.Equal(param, problem.Param);
        Assert.False(string.IsNullOrEmpty(problem.Message));
    }

    [Fact]
    public void Usage_is_found_in_a_whole_answer_a_stream_tail_and_an_ollama_final_line()
    {
        Assert.Equal(12, UsageParser.Tokens(U("""{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}}""")));
        Assert.Equal(9, UsageParser.Tokens(U("data: {\"usage\":null}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":5}}\n\ndata: [DONE]\n\n")));
        Assert.Equal(31, UsageParser.Tokens(U("""{"done":true,"prompt_eval_count":29,"eval_count":2}""")));
        Assert.Null(UsageParser.Tokens(U("data: {\"usage\":null}\n\ndata: [DONE]\n\n")));
        Assert.Null(UsageParser.Tokens(U("""{"usage":{"prompt_tokens":4,"completion""")));
    }

    [Fact]
    public void The_tail_buffer_keeps_the_last_bytes()
    {
        var tail = new TailBuffer();
        tail.Append(new byte[TailBuffer.Capacity - 2]);
        tail.Append(U("abcd"));
        Assert.Equal(TailBuffer.Capacity, tail.Span.Length);
        Assert.Equal("abcd", Encoding.UTF8.GetString(tail.Span[^4..]));
    }

    [Fact]
    public void An_openai_chat_request_becomes_an_ollama_chat_request_with_options_and_tool_calls()
    {
        var body = U("""
            {"model":"public","stream":true,"temperature":0.2,"max_tokens":9,"seed":4,"stop":"END",
             "response_format":{"type":"json_object"},
             "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
             "messages":[{"role":"user","content":"Weather?"},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","name":"weather","content":"cold"}]}
            """);
        var chat = JsonNode.Parse(OllamaRequest.FromOpenAIChat(body, "llama3:8b", stream: true))!;
        Assert.Equal("llama3:8b", (string?)chat["model"]);
        Assert.True((bool)chat["stream"]!);
        Assert.Equal("json", (string?)chat["format"]);
        Assert.Equal(0.2, (double)chat["options"]!["temperature"]!);
        Assert.Equal(9, (int)chat["options"]!["num_predict"]!);
        Assert.Equal("END", (string?)chat["options"]!["stop"]![0]);
        Assert.Equal("weather", (string?)chat["tools"]![0]!["function"]!["name"]);
        Assert.Equal("Oslo", (string?)chat["messages"]![1]!["tool_calls"]![0]!["function"]!["arguments"]!["city"]);
        Assert.Equal("weather", (string?)chat["messages"]![2]!["tool_name"]);
    }

    [Fact]
    public void An_ollama_ndjson_stream_becomes_sse_chunks_with_tool_calls_usage_and_done_even_when_lines_are_split()
    {
        var ndjson = """
            {"model":"x","message":{"role":"assistant","content":"Hel"},"done":false}
            {"model":"x","message":{"role":"assistant","content":"lo"},"done":false}
            {"model":"x","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city":"Oslo"}}}]},"done":false}
            {"model":"x","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":10,"eval_count":3}

            """;
        var bytes = U(ndjson.Replace("\r\n", "\n", StringComparison.Ordinal));
        var translator = OllamaResponse.Create("public", TimeProvider.System);
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < bytes.Length; i += 7)
        {
            translator.Stream(bytes.AsSpan(i, Math.Min(7, bytes.Length - i)), output);
        }

        translator.Complete(output);
        var events = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e[6..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("public", (string?)c["model"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.Equal("Hello", string.Concat(chunks.Select(c => (string?)c["choices"]?.AsArray().FirstOrDefault()?["delta"]?["content"])));
        var call = chunks[2]["choices"]![0]!["delta"]!["tool_calls"]![0]!;
        Assert.Equal(("weather", "{\"city\":\"Oslo\"}"), ((string?)call["function"]!["name"], (string?)call["function"]!["arguments"]));
        Assert.Equal("tool_calls", (string?)chunks[3]["choices"]![0]!["finish_reason"]);
        Assert.Equal(13, (int)chunks[4]["usage"]!["total_tokens"]!);
    }

    [Fact]
    public void A_whole_ollama_answer_becomes_a_chat_completion()
    {
        var translator = OllamaResponse.Create("public", TimeProvider.System);
        var json = JsonNode.Parse(translator.Whole(U("""{"model":"x","message":{"role":"assistant","content":"Hi there"},"done":true,"done_reason":"length","prompt_eval_count":4,"eval_count":2}""")))!;
        Assert.Equal("chat.completion", (string?)json["object"]);
        Assert.Equal("Hi there", (string?)json["choices"]![0]!["message"]!["content"]);
        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.Equal(6, (int)json["usage"]!["total_tokens"]!);
    }
}
