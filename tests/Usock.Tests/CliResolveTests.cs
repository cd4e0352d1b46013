using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock resolve</c>: getaddrinfo printed as the module prints it, in both profiles.</summary>
public class CliResolveTests
{
    [Theory]
    [InlineData("localhost", "80", "[(2, 1, 0, 'localhost', ('127.0.0.1', 80))]")]
    [InlineData("127.0.0.1", "8080", "[(2, 1, 0, '127.0.0.1', ('127.0.0.1', 8080))]")]
    [InlineData("::1", "443", "[(10, 1, 0, '::1', ('::1', 443))]")]
    public void Resolve_PrintsTheDevicesList(string host, string port, string expected)
    {
        CliProcess.Result r = CliProcess.Run("resolve", host, port);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected + "\n", r.StdOut);
    }

    [Fact]
    public void Resolve_WithoutPort_UsesZero()
    {
        CliProcess.Result r = CliProcess.Run("resolve", "127.0.0.1");

        Assert.Equal("[(2, 1, 0, '127.0.0.1', ('127.0.0.1', 0))]\n", r.StdOut);
    }

    [Fact]
    public void Resolve_Posix_PrintsEveryAddressAsCPythonDoes()
    {
        CliProcess.Result r = CliProcess.Run("resolve", "--posix", "localhost", "80");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[(2, 1, 6, '', ('127.0.0.1', 80)), (10, 1, 6, '', ('::1', 80))]\n", r.StdOut);
    }

    [Fact]
    public void Resolve_Json_AlsoReportsTheEntriesOnStderr()
    {
        CliProcess.Result r = CliProcess.Run("resolve", "--json", "localhost", "80");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[(2, 1, 0, 'localhost', ('127.0.0.1', 80))]\n", r.StdOut);
        System.Text.Json.JsonElement e = Assert.Single(JsonLines(r.StdErr));
        Assert.Equal("resolved", e.GetProperty("event").GetString());
        System.Text.Json.JsonElement entry = Assert.Single(e.GetProperty("entries").EnumerateArray());
        Assert.Equal(2, entry.GetProperty("family").GetInt32());
        Assert.Equal("127.0.0.1", entry.GetProperty("address").GetString());
        Assert.Equal(80, entry.GetProperty("port").GetInt32());
    }

    [Theory]
    [InlineData(new string[0], "[Errno -202] EAI_FAIL")]
    [InlineData(new[] { "--posix" }, "[Errno -2] EAI_NONAME")]
    public void Resolve_UnknownName_ExitsOneWithTheProfilesErrno(string[] options, string errno)
    {
        CliProcess.Result r = CliProcess.Run(["resolve", .. options, "no-such-host.invalid", "80"]);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"getaddrinfo failed: {errno}", r.StdErr);
        Assert.Equal("", r.StdOut);
    }

    [Theory]
    [InlineData("bad host!")]
    [InlineData("localhost", "99999")]
    public void Resolve_BadArguments_ExitTwo(params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(["resolve", .. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
