using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Hearth.Store.Registry;

/// <summary>Maps <see cref="ModelEntry"/> to and from rows of the <c>models</c> table.</summary>
internal static class ModelRows
{
    public const string Columns = "name, tag, path, sha256, size, architecture, file_type, type_mix, source, added_unix_ms";

    public static ModelEntry Read(SqliteDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Tag = reader.GetString(1),
        Path = reader.GetString(2),
        Sha256 = reader.GetString(3),
        Size = reader.GetInt64(4),
        Architecture = reader.IsDBNull(5) ? null : reader.GetString(5),
        FileType = reader.IsDBNull(6) ? null : reader.GetString(6),
        TypeMix = ParseTypeMix(reader.GetString(7)),
        Source = reader.GetString(8),
        Added = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        IsRegistered = true,
    };

    public static void Bind(SqliteCommand command, ModelEntry entry)
    {
        command.Parameters.AddWithValue("$name", entry.Name);
        command.Parameters.AddWithValue("$tag", entry.Tag);
        command.Parameters.AddWithValue("$path", entry.Path);
        command.Parameters.AddWithValue("$sha256", entry.Sha256 ?? throw new ArgumentException("a registry entry needs a sha256", nameof(entry)));
        command.Parameters.AddWithValue("$size", entry.Size);
        command.Parameters.AddWithValue("$architecture", (object?)entry.Architecture ?? DBNull.Value);
        command.Parameters.AddWithValue("$file_type", (object?)entry.FileType ?? DBNull.Value);
        command.Parameters.AddWithValue("$type_mix", FormatTypeMix(entry.TypeMix));
        command.Parameters.AddWithValue("$source", entry.Source);
        command.Parameters.AddWithValue("$added_unix_ms", entry.Added.ToUnixTimeMilliseconds());
    }

    public static string FormatTypeMix(IReadOnlyDictionary<string, TensorTypeStats> mix)
    {
        var json = new JsonObject();
        foreach (var (type, stats) in mix.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[type] = new JsonObject { ["tensors"] = stats.Tensors, ["bytes"] = stats.Bytes };
        }

        return json.ToJsonString();
    }

    public static IReadOnlyDictionary<string, TensorTypeStats> ParseTypeMix(string text)
    {
        var result = new SortedDictionary<string, TensorTypeStats>(StringComparer.Ordinal);
        if (JsonNode.Parse(text) is JsonObject json)
        {
            foreach (var (type, node) in json)
            {
                if (node is JsonObject stats)
                {
                    result[type] = new TensorTypeStats(
                        stats["tensors"]?.GetValue<int>() ?? 0,
                        stats["bytes"]?.GetValue<long>() ?? 0);
                }
            }
        }

        return result;
    }
}
