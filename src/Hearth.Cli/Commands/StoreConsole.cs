using System.Globalization;
using Hearth.Store;

namespace Hearth.Cli.Commands;

/// <summary>Formatting shared by the model store commands (pull, list, show, rm, create).</summary>
internal static class StoreConsole
{
    /// <summary>Opens the store at $HEARTH_HOME (default ~/.hearth).</summary>
    public static ModelStore OpenStore() => ModelStore.Open(new StoreOptions());

    /// <summary>Decimal units like Ollama and disk vendors (1 GB = 10^9 bytes).</summary>
    public static string FormatSize(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0
            ? bytes.ToString(CultureInfo.InvariantCulture) + " B"
            : value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
