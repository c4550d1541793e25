using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Hearth.Gguf;

/// <summary>
/// An open GGUF file: header, metadata and tensor directory parsed up front; tensor data stays in a read-only
/// memory mapping and is handed out as spans or pointers into it (never copied). Immutable and thread-safe
/// after <see cref="Open(string)"/>; spans and pointers are valid until <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private MemoryHandle _pin;
    private readonly Dictionary<string, GgufTensorInfo> _byName;
    private byte* _base;
    private int _disposed;

    private GgufFile(string path, byte* data, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, MemoryHandle pin)
    {
        Path = path;
        _base = data;
        FileSize = length;
        _map = map;
        _view = view;
        _pin = pin;
        var reader = new GgufSpanReader(data, length, path);
        var layout = GgufParser.Parse(ref reader, path);
        Version = layout.Version;
        Metadata = layout.Metadata;
        Tensors = layout.Tensors.AsReadOnly();
        Alignment = layout.Alignment;
        DataOffset = layout.DataOffset;
        _byName = layout.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file path, or "&lt;memory&gt;" (or the given name) for in-memory buffers.</summary>
    public string Path { get; }

    public uint Version { get; }

    public long FileSize { get; }

    /// <summary>Alignment of tensor data (general.alignment, default 32).</summary>
    public int Alignment { get; }

    /// <summary>Absolute offset of the tensor data section; tensor offsets are relative to it.</summary>
    public long DataOffset { get; }

    public GgufMetadata Metadata { get; }

    /// <summary>The tensor directory in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Memory-maps <paramref name="path"/> read-only and parses it.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="GgufFormatException">The file is not a well-formed GGUF v2/v3 file.</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"GGUF file not found: {path}", path);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            var length = stream.Length;
            if (length < GgufParser.HeaderBytes)
            {
                // Mapping an empty file is an error on every platform; report the real problem instead.
                throw new GgufFormatException(path, 0, $"file is {length} bytes, shorter than the {GgufParser.HeaderBytes}-byte GGUF header");
            }

            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            acquired = true;
            return new GgufFile(path, ptr + view.PointerOffset, length, map, view, default);
        }
        catch
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Parses a GGUF image held in memory (pinned until Dispose). Used for generated files and tests.</summary>
    public static GgufFile Open(ReadOnlyMemory<byte> data, string name = "<memory>")
    {
        var pin = data.Pin();
        try
        {
            return new GgufFile(name, (byte*)pin.Pointer, data.Length, null, null, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    public static GgufFile Open(byte[] data, string name = "<memory>") => Open(new ReadOnlyMemory<byte>(data), name);

    public GgufTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    public GgufTensorInfo GetTensor(string name) => FindTensor(name) ?? throw new GgufMissingTensorException(name, Path);

    /// <summary>The tensor's bytes as a view over the mapping (no copy). Tensors over 2 GiB need <see cref="GetTensorPointer"/>.</summary>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo t)
    {
        var p = GetTensorPointer(t);
        if (t.ByteSize > int.MaxValue)
        {
            throw new NotSupportedException($"Tensor '{t.Name}' is {t.ByteSize} bytes, too large for a span; use GetTensorPointer.");
        }

        return new ReadOnlySpan<byte>(p, (int)t.ByteSize);
    }

    /// <summary>Pointer to the tensor's first byte in the mapping; valid until Dispose.</summary>
    public byte* GetTensorPointer(GgufTensorInfo t)
    {
        ArgumentNullException.ThrowIfNull(t);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!ReferenceEquals(_byName.GetValueOrDefault(t.Name), t))
        {
            throw new ArgumentException($"Tensor '{t.Name}' does not belong to {Path}.", nameof(t));
        }

        return _base + DataOffset + t.Offset;
    }

    /// <summary>Bytes [offset, offset+length) of the whole file (header included), as a view over the mapping.</summary>
    public ReadOnlySpan<byte> GetFileBytes(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, FileSize, nameof(length));
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _base = null;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
        _pin.Dispose();
    }
}
