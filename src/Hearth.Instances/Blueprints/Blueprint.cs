namespace Hearth.Instances.Blueprints;

/// <summary>
/// How to run a kind of instance. Built-ins are "command" and "hearth-model"; others are shell scripts with a
/// <c># hearth-blueprint: name=...; description=...; port_env=PORT; health=http:/; install=install.sh</c> header.
/// </summary>
public sealed record Blueprint(
    string Name,
    string Description,
    string? File = null,
    string PortEnv = "PORT",
    string? Health = null,
    string? Install = null,
    bool BuiltIn = false);
