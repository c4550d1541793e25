using System.Security.Cryptography;
using System.Text;

namespace Hearth.Router.Access;

/// <summary>
/// The Lua scripts that make a Redis limit check one atomic round-trip. They implement exactly the
/// windows of <see cref="InMemoryRateLimiter"/>: rpm and tpm as hashes of one-second buckets
/// (field = unix second), the budget as one counter per period that expires at the period's end.
/// Time comes from the router (ARGV), not Redis TIME, so tests drive it with a fake clock; replicas'
/// clocks only need to agree to within a second.
/// </summary>
internal static class LimitScripts
{
    // KEYS: 1 rpm buckets, 2 tpm buckets, 3 budget counter.
    // ARGV: 1 now (ms), 2 rpm, 3 tpm, 4 budget (0 = no such limit), 5 budget period end (ms).
    // Returns {allowed, refused_by (LimitKind), retry_after_ms, requests_left (-1 = none), tokens_left (-1 = none)}.
    public const string Acquire = """
        local now_ms = tonumber(ARGV[1])
        local sec = math.floor(now_ms / 1000)
        local rpm, tpm, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

        local function window(key)
          local flat = redis.call('HGETALL', key)
          local sum, buckets, stale = 0, {}, {}
          for i = 1, #flat, 2 do
            local s, c = tonumber(flat[i]), tonumber(flat[i + 1])
            if s <= sec - 60 then stale[#stale + 1] = flat[i] else sum = sum + c; buckets[#buckets + 1] = {s, c} end
          end
          if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
          return sum, buckets
        end

        local function wait_ms(buckets, sum, target)
          table.sort(buckets, function(a, b) return a[1] < b[1] end)
          for _, b in ipairs(buckets) do
            sum = sum - b[2]
            if sum <= target then return math.max(1, (b[1] + 60) * 1000 - now_ms) end
          end
          return 1000
        end

        local function requests_left()
          if rpm <= 0 then return -1 end
          local count = window(KEYS[1])
          return math.max(0, rpm - count)
        end

        local tokens_left = -1
        if tpm > 0 then
          local used, buckets = window(KEYS[2])
          if used >= tpm then return {0, 2, wait_ms(buckets, used, tpm - 1), requests_left(), 0} end
          tokens_left = tpm - used
        end
        if budget > 0 then
          local used = tonumber(redis.call('GET', KEYS[3]) or '0')
          if used >= budget then return {0, 3, tonumber(ARGV[5]) - now_ms, requests_left(), 0} end
          if tokens_left < 0 or budget - used < tokens_left then tokens_left = budget - used end
        end
        local left = -1
        if rpm > 0 then
          local count, buckets = window(KEYS[1])
          if count >= rpm then return {0, 1, wait_ms(buckets, count, rpm - 1), 0, tokens_left} end
          redis.call('HINCRBY', KEYS[1], sec, 1)
          redis.call('EXPIRE', KEYS[1], 61)
          left = rpm - count - 1
        end
        return {1, 0, 0, left, tokens_left}
        """;

    // KEYS: 1 tpm buckets, 2 budget counter. ARGV: 1 now (ms), 2 tokens, 3 budget ttl (ms), 4 track tpm, 5 track budget.
    public const string Record = """
        local sec = math.floor(tonumber(ARGV[1]) / 1000)
        if ARGV[4] == '1' then
          redis.call('HINCRBY', KEYS[1], sec, ARGV[2])
          redis.call('EXPIRE', KEYS[1], 61)
        end
        if ARGV[5] == '1' then
          redis.call('INCRBY', KEYS[2], ARGV[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[3])
        end
        return 1
        """;

    public static readonly byte[] AcquireSha = Sha1(Acquire);

    public static readonly byte[] RecordSha = Sha1(Record);

#pragma warning disable CA5350 // SHA-1 is what Redis names scripts by (EVALSHA), not a security use.
    private static byte[] Sha1(string script) => SHA1.HashData(Encoding.UTF8.GetBytes(script));
#pragma warning restore CA5350
}
