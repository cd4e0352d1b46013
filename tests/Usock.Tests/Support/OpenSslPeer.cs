using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// A real TLS peer no one here wrote: Debian's <c>openssl s_server</c> or <c>s_client</c> as a process, with
/// <c>-quiet</c> so its stdout is exactly the plaintext it received and its stdin what it sends. The server listens on
/// port 0; its port is read from the kernel (/proc: the listening socket the process owns), which also proves it is
/// ready. Killed at the end of the test.
/// </summary>
public sealed class OpenSslPeer : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private OpenSslPeer(IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public static string Path => "/usr/bin/openssl";

    public static bool Available => File.Exists(Path);

    public static string SkipReason => "openssl is not installed (.ci/run installs Debian's openssl)";

    /// <summary>The port an <c>s_server</c> listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The plaintext the peer received, as a stream.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>Where the plaintext the peer sends is written.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    /// <summary>What the peer printed on stderr (after it ended).</summary>
    public string StdErr => _stderr.Wait(TimeSpan.FromSeconds(10)) ? _stderr.Result : "";

    /// <summary><c>openssl s_server -quiet -naccept 1</c> on 127.0.0.1, port 0, with <paramref name="args"/>.</summary>
    public static OpenSslPeer Server(params string[] args)
    {
        var peer = new OpenSslPeer(["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-quiet", .. args]);
        Assert.True(Loopback.Eventually(() => (peer.Port = ListeningPort(peer._process.Id)) > 0 || peer.HasExited), "s_server never listened");
        if (peer.HasExited)
        {
            Assert.Fail("s_server ended: " + peer.StdErr);
        }
        return peer;
    }

    /// <summary>
    /// <c>openssl s_server -WWW</c> style servers (<paramref name="args"/>), serving files from <paramref name="directory"/>
    /// (its working directory), on 127.0.0.1, port 0, for one connection.
    /// </summary>
    public static OpenSslPeer ServerIn(string directory, params string[] args)
    {
        var peer = new OpenSslPeer(["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", .. args], directory);
        Assert.True(Loopback.Eventually(() => (peer.Port = ListeningPort(peer._process.Id)) > 0 || peer.HasExited), "s_server never listened");
        if (peer.HasExited)
        {
            Assert.Fail("s_server ended: " + peer.StdErr);
        }

        return peer;
    }

    /// <summary><c>openssl s_client -quiet</c> to 127.0.0.1:<paramref name="port"/> with <paramref name="args"/>.</summary>
    public static OpenSslPeer Client(int port, params string[] args) =>
        new(["s_client", "-connect", $"127.0.0.1:{port}", "-quiet", .. args]);

    public void Send(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Reads exactly <paramref name="count"/> bytes of what the peer received (bounded wait).</summary>
    public byte[] ReadOutput(int count)
    {
        var buffer = new byte[count];
        Task read = Output.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken).AsTask();
        Assert.True(read.Wait(TimeSpan.FromSeconds(Loopback.Patience)), $"the peer printed fewer than {count} bytes; stderr: {(HasExited ? StdErr : "")}");
        return buffer;
    }

    /// <summary>The exit code once the peer ended (kills it and fails after <paramref name="seconds"/>).</summary>
    public int WaitForExit(double seconds = Loopback.Patience)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            Kill();
            Assert.Fail($"openssl did not end within {seconds} s");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Kill() => ChildProcess.KillNow(_process);

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The TCP port a process listens on: its socket inodes matched against /proc/net/tcp{,6} in LISTEN.</summary>
    private static int ListeningPort(int pid)
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string table in new[] { $"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
                {
                    return int.Parse(f[1][(f[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }
        }

        return 0;
    }
}
