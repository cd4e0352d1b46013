using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>net.setModemFun(0)</c> and <c>(1)</c>: the data call goes down and comes back after the attach time (the
/// <c>--attach-ms</c> option or <c>USOCK_ATTACH_MS</c>), the dataCall callback sees both, checkNet waits meanwhile.
/// </summary>
public sealed class ModemFunTests
{
    [Fact]
    public void The_radio_detaches_and_reattaches_after_the_attach_ms_option()
    {
        CliProcess.Result r = PythonScripts.Run("--attach-ms", "300", PythonScripts.Script("device/modem_fun.py"), "300");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Matches(@"^radio back after \d+ ms \(attach 300 ms\)\n$", r.StdOut);
    }

    [Fact]
    public void The_attach_time_comes_from_USOCK_ATTACH_MS_without_the_option()
    {
        PythonScripts.SkipUnlessPython();
        CliProcess.Result r = CliProcess.RunWith(null, new Dictionary<string, string?> { ["USOCK_ATTACH_MS"] = "200" },
            "run", PythonScripts.Script("device/modem_fun.py"), "200");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Matches(@"^radio back after \d+ ms \(attach 200 ms\)\n$", r.StdOut);
    }

    [Theory]
    [InlineData("--attach-ms", "soon")]
    [InlineData("--attach-ms", "-5")]
    [InlineData("--uart", "9=stdio")]
    [InlineData("--uart", "2=serial:/dev/ttyS0")]
    [InlineData("--uart", "2")]
    public void Bad_device_options_are_usage_errors(string option, string value)
    {
        CliProcess.Result r = CliProcess.Run("run", option, value, "-c", "pass");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"usock: {option} ", r.StdErr, StringComparison.Ordinal);
    }
}
