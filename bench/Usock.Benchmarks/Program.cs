using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Usock.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
