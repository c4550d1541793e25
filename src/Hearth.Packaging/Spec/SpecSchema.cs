namespace Hearth.Packaging.Spec;

/// <summary>The JSON Schema of <c>hearth.pack.yaml</c> (draft 2020-12), for editors' completion and CI linting.</summary>
public static class SpecSchema
{
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(SpecSchema).Assembly.GetManifestResourceStream("hearth.pack.schema.json")
            ?? throw new InvalidOperationException("the spec schema resource is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
