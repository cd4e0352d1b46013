using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// A peer process that reports on stdout one line per thing it received (tests/python/peers: CPython's http.server,
/// the websockets library; mosquitto_sub): its lines are collected as they come, a test waits for a line with a
/// bounded wait, and the process is killed at the end of the test.
/// </summary>
public sealed class LinePeer : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Task<string> _stderr;

    private LinePeer(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["PYTHONUNBUFFERED"] = "1";
        _process = Process.Start(psi)!;
        _process.StandardInput.Close();
        _stderr = _process.StandardError.ReadToEndAsync();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
                Monitor.PulseAll(_lines);
            }
        };
        _process.BeginOutputReadLine();
    }

    /// <summary>The port from the peer's first line, <c>port N</c> (set by <see cref="Listening"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>.</summary>
    public static LinePeer Start(string file, params string[] args) => new(file, args);

    /// <summary>Starts a peer that listens on port 0 and says <c>port N</c> once it does.</summary>
    public static LinePeer Listening(string file, params string[] args)
    {
        var peer = new LinePeer(file, args);
        string first = peer.WaitFor(l => l.StartsWith("port ", StringComparison.Ordinal), "its port");
        peer.Port = int.Parse(first[5..], CultureInfo.InvariantCulture);
        return peer;
    }

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The first line that matches, waiting for it up to the tests' patience; fails the test otherwise.</summary>
    public string WaitFor(Func<string, bool> match, string what)
    {
        var clock = Stopwatch.StartNew();
        lock (_lines)
        {
            while (true)
            {
                string? line = _lines.FirstOrDefault(match);
                if (line is not null)
                {
                    return line;
                }

                TimeSpan left = CliProcess.Patience - clock.Elapsed;
                if (left <= TimeSpan.Zero || (_process.HasExited && !Monitor.Wait(_lines, 200)))
                {
                    Assert.Fail($"the peer never printed {what}; it printed:\n{string.Join('\n', _lines)}\n{(_process.HasExited ? _stderr.Result : "")}");
                }

                Monitor.Wait(_lines, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>The lines that parse as JSON objects, parsed.</summary>
    public List<System.Text.Json.JsonElement> JsonLines() =>
        CliTest.JsonLines(string.Join('\n', Lines.Where(l => l.StartsWith('{'))));

    /// <summary>Waits for the peer to end by itself (mosquitto_sub -C n); fails the test after the patience.</summary>
    public void WaitForExit()
    {
        if (!_process.WaitForExit(CliProcess.Patience))
        {
            Kill();
            Assert.Fail("the peer did not end: " + string.Join('\n', Lines));
        }

        _process.WaitForExit();
    }

    public void Kill() => ChildProcess.KillNow(_process);

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
