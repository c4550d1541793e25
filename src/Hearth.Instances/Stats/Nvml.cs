using System.Runtime.InteropServices;
using System.Text;

namespace Hearth.Instances.Stats;

/// <summary>
/// GPU utilisation and memory (per device and per process) through NVML, loaded at run time from the NVIDIA driver's
/// libnvidia-ml.so.1. Absent driver: <see cref="TryLoad"/> returns null and the stats simply have no GPUs.
/// </summary>
internal sealed unsafe class Nvml : IDisposable
{
    private readonly nint _lib;
    private readonly delegate* unmanaged<uint*, int> _getCount;
    private readonly delegate* unmanaged<uint, nint*, int> _getHandle;
    private readonly delegate* unmanaged<nint, byte*, uint, int> _getName;
    private readonly delegate* unmanaged<nint, uint*, int> _getUtilization;
    private readonly delegate* unmanaged<nint, ulong*, int> _getMemory;
    private readonly delegate* unmanaged<nint, uint*, ProcessInfo*, int> _getProcesses;
    private readonly delegate* unmanaged<int> _shutdown;

    [StructLayout(LayoutKind.Sequential)]
    private struct ProcessInfo
    {
        public uint Pid;
        public ulong UsedGpuMemory;
        public uint GpuInstanceId;
        public uint ComputeInstanceId;
    }

    private Nvml(nint lib)
    {
        _lib = lib;
        _getCount = (delegate* unmanaged<uint*, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetCount_v2");
        _getHandle = (delegate* unmanaged<uint, nint*, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetHandleByIndex_v2");
        _getName = (delegate* unmanaged<nint, byte*, uint, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetName");
        _getUtilization = (delegate* unmanaged<nint, uint*, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetUtilizationRates");
        _getMemory = (delegate* unmanaged<nint, ulong*, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetMemoryInfo");
        _getProcesses = (delegate* unmanaged<nint, uint*, ProcessInfo*, int>)NativeLibrary.GetExport(lib, "nvmlDeviceGetComputeRunningProcesses_v3");
        _shutdown = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "nvmlShutdown");
    }

    public static Nvml? TryLoad()
    {
        if (!NativeLibrary.TryLoad("libnvidia-ml.so.1", out var lib))
        {
            return null;
        }

        try
        {
            var init = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "nvmlInit_v2");
            if (init() != 0)
            {
                NativeLibrary.Free(lib);
                return null;
            }

            return new Nvml(lib);
        }
        catch (EntryPointNotFoundException)
        {
            NativeLibrary.Free(lib);
            return null;
        }
    }

    public IReadOnlyList<GpuUsage> Sample(Func<int, string?> instanceOfPid)
    {
        var list = new List<GpuUsage>();
        uint count;
        if (_getCount(&count) != 0)
        {
            return list;
        }

        var name = stackalloc byte[96];
        var util = stackalloc uint[2]; // gpu, memory
        var memory = stackalloc ulong[3]; // total, free, used
        var infos = stackalloc ProcessInfo[64];
        for (uint i = 0; i < count; i++)
        {
            nint device;
            if (_getHandle(i, &device) != 0)
            {
                continue;
            }

            var deviceName = _getName(device, name, 96) == 0 ? Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name)) : "?";
            var utilization = _getUtilization(device, util) == 0 ? (int)util[0] : -1;
            _ = _getMemory(device, memory);
            var processes = new List<GpuProcess>();
            uint n = 64;
            if (_getProcesses(device, &n, infos) == 0)
            {
                for (var p = 0; p < n; p++)
                {
                    processes.Add(new GpuProcess((int)infos[p].Pid, (long)infos[p].UsedGpuMemory, instanceOfPid((int)infos[p].Pid)));
                }
            }

            list.Add(new GpuUsage((int)i, deviceName, utilization, (long)memory[0], (long)memory[2], processes));
        }

        return list;
    }

    public void Dispose()
    {
        _ = _shutdown();
        NativeLibrary.Free(_lib);
    }
}
