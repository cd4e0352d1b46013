using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The device's <c>queue</c> for program code (Queue(maxsize), put, blocking get, size, empty); CPython's for the standard library.</summary>
public sealed class DeviceQueueTests
{
    [Fact]
    public void Items_pass_between_threads_in_order_and_the_standard_library_keeps_its_queue()
    {
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("device/queue_threads.py"));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("queue OK: 5000 items between threads\n", r.StdOut);
    }
}
