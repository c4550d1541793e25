using System.Text;
using Hearth.Tokenizers.Vocab;

namespace Hearth.Tokenizers.Tests;

// THROWAWAY: minimal GGUF metadata reader until Hearth.Gguf lands on main; delete then.
internal static class TestGgufReader
{
    public static Dictionary<string, object> ReadMetadata(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        r.ReadUInt32();
        r.ReadUInt32();
        r.ReadUInt64();
        var n = r.ReadUInt64();
        var d = new Dictionary<string, object>();
        for (ulong i = 0; i < n; i++)
        {
            var key = Str(r);
            d[key] = Value(r, r.ReadUInt32());
        }

        return d;
    }

    public static Tokenizer Load(string path)
    {
        var m = ReadMetadata(path);
        return Tokenizer.FromData(VocabularyData.Read(k => m.TryGetValue(k, out var v) ? v : null));
    }

    private static string Str(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));

    private static object Value(BinaryReader r, uint t) => t switch
    {
        0 => (long)r.ReadByte(),
        1 => (long)r.ReadSByte(),
        2 => (long)r.ReadUInt16(),
        3 => (long)r.ReadInt16(),
        4 => (long)r.ReadUInt32(),
        5 => (long)r.ReadInt32(),
        6 => (double)r.ReadSingle(),
        7 => r.ReadByte() != 0,
        8 => Str(r),
        9 => Array(r),
        10 => (long)r.ReadUInt64(),
        11 => r.ReadInt64(),
        12 => r.ReadDouble(),
        _ => throw new InvalidDataException("type " + t),
    };

    private static object Array(BinaryReader r)
    {
        var et = r.ReadUInt32();
        var n = (int)r.ReadUInt64();
        switch (et)
        {
            case 8:
                var s = new string[n];
                for (var i = 0; i < n; i++)
                {
                    s[i] = Str(r);
                }

                return s;
            case 6:
                var f = new float[n];
                for (var i = 0; i < n; i++)
                {
                    f[i] = r.ReadSingle();
                }

                return f;
            case 4 or 5:
                var a = new int[n];
                for (var i = 0; i < n; i++)
                {
                    a[i] = r.ReadInt32();
                }

                return a;
            default:
                var o = new object[n];
                for (var i = 0; i < n; i++)
                {
                    o[i] = Value(r, et);
                }

                return o;
        }
    }
}
