using Hearth.Instances.Blueprints;
using Hearth.Instances.Model;

namespace Hearth.Instances.Tests.Model;

public sealed class BlueprintHeaderTests
{
    [Fact]
    public void A_header_gives_every_field()
    {
        var b = BlueprintHeader.Parse("#!/usr/bin/env bash\n# hearth-blueprint: name=comfyui; description=ComfyUI; port_env=COMFY_PORT; health=http:/; install=install.sh\nexec python main.py\n", "/bp/comfyui.sh");
        Assert.Equal(("comfyui", "ComfyUI", "COMFY_PORT", "http:/", "install.sh"), (b.Name, b.Description, b.PortEnv, b.Health, b.Install));
        Assert.Equal("/bp/comfyui.sh", b.File);
    }

    [Theory]
    [InlineData("#!/bin/bash\necho hi\n", 1, "no '# hearth-blueprint:")]
    [InlineData("#!/bin/bash\n\n# hearth-blueprint: description=x\n", 3, "needs name=")]
    [InlineData("#!/bin/bash\n# hearth-blueprint: name=a; colour=red\n", 2, "unknown key 'colour'")]
    [InlineData("#!/bin/bash\n# hearth-blueprint: name=a; health=ping\n", 2, "unknown health check")]
    [InlineData("#!/bin/bash\n# hearth-blueprint: name=A B\n", 2, "invalid instance name")]
    [InlineData("#!/bin/bash\n# hearth-blueprint: name=a; name=b\n", 2, "given twice")]
    [InlineData("#!/bin/bash\n# hearth-blueprint: name=a; junk\n", 2, "not key=value")]
    public void Bad_headers_name_the_line(string text, int line, string message)
    {
        var ex = Assert.Throws<InstanceSpecException>(() => BlueprintHeader.Parse(text, "/bp/x.sh"));
        Assert.Equal(line, ex.Line);
        Assert.StartsWith($"line {line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_catalog_lists_built_ins_and_valid_files_and_reports_bad_ones()
    {
        using var home = new Support.TempHome();
        home.File("bp/good.sh", "# hearth-blueprint: name=good; description=Good\nexec true\n");
        home.File("bp/bad.sh", "echo no header\n");
        var catalog = new BlueprintCatalog(Path.Combine(home.Path, "bp"));
        var errors = new List<string>();
        var names = catalog.List(errors).Select(b => b.Name).ToList();
        Assert.Equal(["command", "hearth-model", "good"], names);
        Assert.Single(errors);
        Assert.Equal("good", catalog.Resolve("good").Name);
        Assert.Throws<InstanceSpecException>(() => catalog.Resolve("nope"));
    }
}
