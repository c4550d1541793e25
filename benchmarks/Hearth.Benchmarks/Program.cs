using BenchmarkDotNet.Running;

// Micro-benchmarks (kernels, tokenizers, GGUF open). End-to-end model speed is `./hearth bench`.
// Run: dotnet run -c Release --project benchmarks/Hearth.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
