using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run --network ... --picture FILE</c>: one self-contained HTML page of the run, drawn in a real browser
/// (Debian's headless Chromium) and checked on its screenshot: the modem band up (green) and down (red), the
/// connections' bars (blue), the vanished connection's end (orange), the program's errors (purple).
/// </summary>
public sealed class DeviceLifePictureTests
{
    [Fact]
    public void The_picture_of_an_outage_shows_the_modem_band_the_connections_and_the_errors_in_a_browser()
    {
        using var server = new LineEchoServer();
        string p = CliTest.Arg(server.Port);
        string dir = Directory.CreateTempSubdirectory("usock-picture-").FullName;
        try
        {
            string html = Path.Combine(dir, "run.html");
            CliProcess.Result r = PythonScripts.Run(
                "--network", PythonScripts.Script("network/tcp_outage.txt"), "--picture", html, "--resolve", $"server.example:{p}=127.0.0.1:{p}",
                PythonScripts.Script("network/tcp_outage.py"), p);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            string page = File.ReadAllText(html);
            Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal); // nothing to fetch
            Assert.DoesNotContain("src=", page, StringComparison.Ordinal);
            Assert.Contains("\"end\":\"vanished\"", page, StringComparison.Ordinal);
            Assert.Contains("1 outage(s), 1 reconnect(s)", page, StringComparison.Ordinal);

            string chromium = Chromium();
            string png = Path.Combine(dir, "run.png");
            var psi = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(dir, "profile")}", $"--screenshot={png}", "--window-size=1200,400", new Uri(html).AbsoluteUri })
            {
                psi.ArgumentList.Add(a);
            }

            using (Process browser = Process.Start(psi)!)
            {
                _ = browser.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
                _ = browser.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                Assert.True(browser.WaitForExit(TimeSpan.FromSeconds(90)), "chromium did not finish its screenshot"); // a failure bound only
            }

            PngPixels shot = PngPixels.Load(png);
            Assert.Equal(1200, shot.Width);
            Assert.True(shot.Count(44, 160, 44) > 500, "the modem band's up part (green)");
            Assert.True(shot.Count(214, 39, 40) > 500, "the modem band's down part (red)");
            Assert.True(shot.Count(31, 119, 180) > 500, "the connections' bars (blue)");
            Assert.True(shot.Count(255, 127, 14) > 20, "the vanished connection's end (orange)");
            Assert.True(shot.Count(148, 103, 189) > 20, "the program's errors (purple)");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Chromium()
    {
        foreach (string name in new[] { "chromium", "chromium-browser" })
        {
            foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                string path = Path.Combine(folder, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        Assert.Skip("no chromium: the picture is checked in a headless Chromium (Debian's chromium package; .ci/run installs it)");
        return "";
    }
}
