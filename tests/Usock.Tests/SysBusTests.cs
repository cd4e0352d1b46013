using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>sys_bus</c> under <c>usock run</c>: publish on worker threads, publish_sync in the caller's, unsubscribe.</summary>
public sealed class SysBusTests
{
    [Fact]
    public void Handlers_get_topic_and_message_on_worker_threads_and_stop_after_unsubscribe()
    {
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("device/sys_bus_event.py"));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("sys_bus OK\n", r.StdOut);
    }
}
