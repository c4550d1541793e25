using Hearth.Instances.Model;

namespace Hearth.Instances.Supervision;

/// <summary>Messages to an instance actor. Everything that changes an instance goes through its one queue, in order.</summary>
internal abstract record ActorCommand
{
    /// <summary>Completed once the command has been handled (not when its effects, e.g. readiness, are reached).</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed record StartCommand : ActorCommand;

internal sealed record StopCommand(string? Reason) : ActorCommand;

internal sealed record RestartCommand : ActorCommand;

internal sealed record UpdateCommand(InstanceSpec Spec) : ActorCommand;

/// <summary>Stop the process (when <paramref name="StopProcess"/>) and end the actor: removal or supervisor shutdown.</summary>
internal sealed record ShutdownCommand(bool StopProcess) : ActorCommand;

internal sealed record ExitedCommand(int Run, int ExitCode) : ActorCommand;

internal sealed record InstalledCommand(int Run, int ExitCode) : ActorCommand;

internal sealed record ReadyCommand(int Run) : ActorCommand;

/// <summary>A failed check: <paramref name="PortTaken"/> when someone else answers on our port.</summary>
internal sealed record UnhealthyCommand(int Run, string Reason, bool Fatal, bool PortTaken = false) : ActorCommand;

internal sealed record TickCommand : ActorCommand;
