using System.Text;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Proxy;

public sealed class AffinityTests
{
    [Fact]
    public async Task A_session_header_or_user_keeps_a_conversation_on_one_backend()
    {
        await using var a = await ScriptedUpstream.StartAsync();
        await using var b = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync($$$"""
            routing: {strategy: session-affinity}
            backends:
              - {name: a, url: "{{{a.Address}}}", models: [m], health: {period: 1h}}
              - {name: b, url: "{{{b.Address}}}", models: [m], health: {period: 1h}}
            """);

        async Task<string> Send(string? session, string? user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(user is null ? """{"model":"m","messages":[]}""" : $$"""{"model":"m","user":"{{user}}","messages":[]}""", Encoding.UTF8, "application/json"),
            };
            if (session is not null)
            {
                request.Headers.Add("x-session-id", session);
            }

            using var response = await router.Http.SendAsync(request);
            return response.Headers.GetValues("x-hearth-backend").Single();
        }

        var sessions = new List<string>();
        for (var s = 0; s < 12; s++)
        {
            var first = await Send("session-" + s, null);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(first, await Send("session-" + s, null));
            }

            Assert.Equal(await Send(null, "user-" + s), await Send(null, "user-" + s));
            sessions.Add(first);
        }

        Assert.Equal(2, sessions.Distinct().Count());
    }
}
