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

    [Fact]
    public void Ctrl_C_reaches_a_main_thread_blocked_in_get()
    {
        PythonScripts.SkipUnlessPython();
        const string Code = """
            import sys, queue
            q = queue.Queue()
            print('waiting', flush=True)
            try:
                q.get()
            except KeyboardInterrupt:
                print('interrupted', flush=True)
                sys.exit(42)
            """;
        using CliProcess.Running p = CliProcess.Start("run", "-c", Code);
        p.WaitForStdOut("waiting\n");
        p.Interrupt(); // before or during get(): KeyboardInterrupt either way, within one 100 ms wait slice
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(42, r.ExitCode);
        Assert.Equal("waiting\ninterrupted\n", r.StdOut);
    }
}
