using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Bad input to the firmware libraries in <c>usock run</c> (tests/python/fw_bad_input.py): the firmware's exception
/// types and errnos (a silent server times out with 110, a refused connect is 104 under each library's own wrapping),
/// never a hang.
/// </summary>
public sealed class FirmwareBadInputTests
{
    [Fact]
    public void Each_library_rejects_bad_input_with_the_firmwares_errors()
    {
        PythonScripts.SkipUnlessPython();
        using var silent = new USocket();
        silent.Bind(("127.0.0.1", 0));
        silent.Listen(4); // connections complete in the kernel and are never accepted: nothing is ever answered
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("fw_bad_input.py"), CliTest.Arg(silent.GetSockName().Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("settime str -1", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("dropped publish None", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("aliases True", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("WARNING:MQTT:", r.StdOut, StringComparison.Ordinal); // the PC says the message was dropped
        Assert.Contains("checks 22", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
    }
}
