using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// The fault, network-namespace, load and leak tests: they count the process's descriptors and memory, fill
/// the CPU or time the network, so they run one class at a time, after every parallel test has finished
/// (xunit runs a collection with parallelization disabled on its own).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Serial
{
    public const string Name = "Reliability (serial)";
}
