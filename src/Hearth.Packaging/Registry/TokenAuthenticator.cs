using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Hearth.Packaging.Registry;

/// <summary>
/// Answers a registry's <c>WWW-Authenticate</c> challenge (RFC 7235): <c>Basic</c> sends the
/// credentials; <c>Bearer realm=…,service=…,scope=…</c> fetches a token from the realm (with the
/// credentials as Basic, or anonymously) as the distribution token spec describes. The resulting
/// header is kept per repository scope and reused until the registry challenges again.
/// </summary>
internal sealed class TokenAuthenticator(HttpClient http, string registry, RegistryCredentials? credentials)
{
    private AuthenticationHeaderValue? current;

    public AuthenticationHeaderValue? Current => current;

    /// <summary>Handles a 401; returns false when nothing more can be tried (then the caller reports refusal).</summary>
    public async Task<bool> AnswerAsync(HttpResponseMessage response, bool alreadyAnswered, CancellationToken cancellationToken)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null)
        {
            throw new RegistryAuthException(registry, "401 without a WWW-Authenticate challenge");
        }

        if (alreadyAnswered)
        {
            throw new RegistryAuthException(registry, credentials is null ? "credentials required (set HEARTH_REGISTRY_USER and HEARTH_REGISTRY_PASSWORD)" : $"user '{credentials.User}' was not accepted");
        }

        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (credentials is null)
            {
                throw new RegistryAuthException(registry, "credentials required (set HEARTH_REGISTRY_USER and HEARTH_REGISTRY_PASSWORD)");
            }

            current = new AuthenticationHeaderValue("Basic", credentials.BasicValue);
            return true;
        }

        if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryAuthException(registry, $"unsupported authentication scheme '{challenge.Scheme}'");
        }

        var parameters = ParseParameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryAuthException(registry, "Bearer challenge without a usable realm");
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        if (parameters.TryGetValue("scope", out var scope))
        {
            query.Add("scope=" + Uri.EscapeDataString(scope));
        }

        var tokenUri = new UriBuilder(realmUri) { Query = string.Join('&', query) }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicValue);
        }

        using var tokenResponse = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!tokenResponse.IsSuccessStatusCode)
        {
            throw new RegistryAuthException(registry, $"token service {tokenUri.Host} answered {(int)tokenResponse.StatusCode}");
        }

        var json = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var token = (string?)json?["token"] ?? (string?)json?["access_token"]
            ?? throw new RegistryAuthException(registry, "token service sent no token");
        current = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    /// <summary>Parses <c>key="value",key2="value2"</c> (quoted strings may hold commas).</summary>
    internal static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                end = end < 0 ? text.Length : end;
                value = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }
}
