using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>app_fota</c> and <c>fota</c> under <c>usock run</c>: what they download lands in the project's
/// <c>.usock_fota</c> folder (nothing is flashed or replaced), from a real HTTP peer the test runs.
/// </summary>
public sealed class FotaTests
{
    [Fact]
    public void App_fota_stages_the_download_under_the_project_and_records_the_update_flag()
    {
        PythonScripts.SkipUnlessPython();
        string project = Directory.CreateTempSubdirectory("usock-fota-").FullName;
        try
        {
            using var http = new TcpPeer();
            File.WriteAllText(Path.Combine(project, "main.py"), $$"""
                import app_fota, fota
                up = app_fota.new()
                assert up.download('http://127.0.0.1:{{http.Port}}/app/v2.py', 'usr/app.py') == 0
                up.set_update_flag()
                assert fota.fota().httpDownload('http://127.0.0.1:1/none.bin') == -1
                print('staged')
                """);
            using CliProcess.Running p = CliProcess.Start("run", project);
            string request = ReadRequestHead(http);
            Assert.StartsWith("GET /app/v2.py HTTP/1.1\r\n", request, StringComparison.Ordinal);
            http.Send("HTTP/1.1 200 OK\r\nContent-Length: 19\r\nConnection: close\r\n\r\nprint('version 2')\n");
            http.Close();
            CliProcess.Result r = p.WaitForExit();
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("staged\n", r.StdOut);
            Assert.Equal("print('version 2')\n", File.ReadAllText(Path.Combine(project, ".usock_fota", "usr", "app.py")));
            Assert.Equal("1", File.ReadAllText(Path.Combine(project, ".usock_fota", "update_flag")));
            Assert.Equal(["main.py"], Directory.GetFiles(project).Select(Path.GetFileName)); // the program's files untouched
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    private static string ReadRequestHead(TcpPeer http)
    {
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            head.Append(http.ReadExactly(1));
        }

        return head.ToString();
    }
}
