using System.Globalization;
using System.Text;

namespace Hearth.Templates.Runtime;

/// <summary>C strftime (C locale) for strftime_now: %Y %m %d %H %M %S %b %B %a %A %y %j %p %I %e %Z %z %%, and glibc's %-d style no-padding flag.</summary>
internal static class Strftime
{
    public static string Format(DateTimeOffset time, string format)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var noPad = format[i + 1] == '-' && i + 2 < format.Length;
            if (noPad)
            {
                i++;
            }

            var code = format[++i];
            string Num(int value, int width) => noPad ? value.ToString(c) : value.ToString(new string('0', width), c);
            var hour12 = time.Hour % 12 == 0 ? 12 : time.Hour % 12;
            sb.Append(code switch
            {
                'Y' => time.Year.ToString(c),
                'y' => Num(time.Year % 100, 2),
                'm' => Num(time.Month, 2),
                'd' => Num(time.Day, 2),
                'e' => noPad ? time.Day.ToString(c) : time.Day.ToString(c).PadLeft(2),
                'H' => Num(time.Hour, 2),
                'I' => Num(hour12, 2),
                'M' => Num(time.Minute, 2),
                'S' => Num(time.Second, 2),
                'j' => Num(time.DayOfYear, 3),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'b' or 'h' => c.DateTimeFormat.GetAbbreviatedMonthName(time.Month),
                'B' => c.DateTimeFormat.GetMonthName(time.Month),
                'a' => c.DateTimeFormat.GetAbbreviatedDayName(time.DayOfWeek),
                'A' => c.DateTimeFormat.GetDayName(time.DayOfWeek),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'u' => (time.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)time.DayOfWeek).ToString(c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                'D' => time.ToString("MM/dd/yy", c),
                'z' => (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.ToString("hhmm", c),
                'Z' => time.Offset == TimeSpan.Zero ? "UTC" : "",
                '%' => "%",
                _ => "%" + code,
            });
        }

        return sb.ToString();
    }
}
