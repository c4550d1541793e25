// The chart tools (helm, kubectl, node) are Linux binaries here.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
