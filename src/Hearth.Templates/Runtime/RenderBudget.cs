namespace Hearth.Templates.Runtime;

/// <summary>
/// Hard bounds for one render, so a hostile or buggy template fails with a TemplateRuntimeException
/// instead of hanging or exhausting memory. Real chat templates stay orders of magnitude below them:
/// the largest shipped templates render a few kB with a few hundred loop iterations.
/// </summary>
internal sealed class RenderBudget
{
    /// <summary>Total loop iterations (all loops together, including filter-level iteration in for loops).</summary>
    public const int DefaultMaxIterations = 100_000;

    /// <summary>Nested macro calls: enough for recursive JSON-schema printers, far below stack limits.</summary>
    public const int DefaultMaxCallDepth = 64;

    /// <summary>Characters of output (and of any single string value): 16 Mi chars, ~100x a long-context prompt.</summary>
    public const int DefaultMaxOutputChars = 16 * 1024 * 1024;

    /// <summary>Characters of all strings built during the render, so repeated 16M strings cannot pile up.</summary>
    public const long DefaultMaxAllocatedChars = 256L * 1024 * 1024;

    /// <summary>Elements in a single list built by the template (range, +, *).</summary>
    public const int DefaultMaxListLength = 1_000_000;

    public int MaxIterations { get; init; } = DefaultMaxIterations;

    public int MaxCallDepth { get; init; } = DefaultMaxCallDepth;

    public int MaxOutputChars { get; init; } = DefaultMaxOutputChars;

    public long MaxAllocatedChars { get; init; } = DefaultMaxAllocatedChars;

    public int MaxListLength { get; init; } = DefaultMaxListLength;

    public int Iterations { get; private set; }

    public long AllocatedChars { get; private set; }

    public void CountIteration()
    {
        if (++Iterations > MaxIterations)
        {
            throw new RenderLimitException($"loop iteration limit ({MaxIterations}) exceeded");
        }
    }

    public void ChargeString(long length)
    {
        if (length > MaxOutputChars)
        {
            throw new RenderLimitException($"string of {length} characters exceeds the limit of {MaxOutputChars}");
        }

        AllocatedChars += length;
        if (AllocatedChars > MaxAllocatedChars)
        {
            throw new RenderLimitException($"the template built more than {MaxAllocatedChars} characters of strings");
        }
    }

    public void CheckListLength(long length)
    {
        if (length > MaxListLength)
        {
            throw new RenderLimitException($"list of {length} items exceeds the limit of {MaxListLength}");
        }
    }
}

/// <summary>Internal signal that a budget ran out; the evaluator turns it into a positioned TemplateRuntimeException.</summary>
internal sealed class RenderLimitException(string message) : Exception(message)
{
    public RenderLimitException()
        : this("render limit exceeded")
    {
    }

    public RenderLimitException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}

/// <summary>Internal signal for a runtime error without a position yet; the evaluator adds the node's position.</summary>
internal sealed class JinjaError(string message) : Exception(message)
{
    public JinjaError()
        : this("template error")
    {
    }

    public JinjaError(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}
