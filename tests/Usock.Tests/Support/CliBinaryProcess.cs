using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// The usock command as a process whose stdin and stdout carry bytes, not text: stdin is fed from a byte array
/// (then closed, which is the command's end of input), stdout is read to the end and hashed, optionally slowly (a
/// slow reader: the pipe fills and usock's writes to stdout block). stderr is collected as text. Every wait is
/// bounded; a process still running at the end is killed.
/// </summary>
public sealed class CliBinaryProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly MemoryStream _stdout = new();
    private readonly Task _feeder;
    private readonly Task _reader;
    private readonly Task _errors;
    private readonly object _gate = new();

    private CliBinaryProcess(Process process, byte[]? input, TimeSpan readPause)
    {
        _process = process;
        _feeder = Task.Run(() => Feed(input));
        _reader = Task.Run(() => ReadOut(readPause));
        _errors = Task.Run(ReadErr);
    }

    /// <summary>Starts usock with <paramref name="input"/> on stdin (null: stdin left open until <see cref="CloseStdIn"/>).</summary>
    /// <param name="input">The bytes for stdin; an empty array closes stdin at once.</param>
    /// <param name="readPause">Pause after each 16 KiB read from stdout (a slow reader); zero reads at full speed.</param>
    /// <param name="args">The command line.</param>
    public static CliBinaryProcess Start(byte[]? input, TimeSpan readPause, params string[] args)
    {
        return new CliBinaryProcess(Process.Start(CliProcess.StartInfo(args))!, input, readPause);
    }

    /// <summary>What usock wrote on stderr so far.</summary>
    public string StdErr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Random bytes (a fixed seed per size, so a failure can be reproduced).</summary>
    public static byte[] RandomBytes(int size)
    {
        byte[] data = new byte[size];
        new Random(size).NextBytes(data);
        return data;
    }

    /// <summary>SHA-256 in lower-case hex.</summary>
    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Closes stdin (for a process started with a null input).</summary>
    public void CloseStdIn()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // already gone
        }
    }

    /// <summary>Sends SIGINT (Ctrl-C).</summary>
    public void Interrupt() => CliSignal.Interrupt(_process);

    /// <summary>Waits for <c>listening on (address, port)</c> on stderr and returns the port.</summary>
    public int ListeningPort() =>
        int.Parse(WaitForStdErr(@"listening on \('[^']*', (\d+)\)").Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>Waits until stderr matches <paramref name="pattern"/>.</summary>
    public Match WaitForStdErr(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant);
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                Match m = regex.Match(_stderr.ToString());
                if (m.Success)
                {
                    return m;
                }

                if (clock.Elapsed > CliProcess.Patience || _errors.IsCompleted)
                {
                    Assert.Fail($"stderr never matched /{pattern}/\nstderr: {_stderr}");
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Waits for the end (bounded) and returns the exit code, every byte of stdout, and stderr.</summary>
    public (int ExitCode, byte[] StdOut, string StdErr) WaitForExit(TimeSpan? limit = null)
    {
        TimeSpan wait = limit ?? TimeSpan.FromSeconds(60);
        if (!_process.WaitForExit(wait))
        {
            Dispose();
            Assert.Fail($"usock did not finish within {wait.TotalSeconds} s\nstderr: {StdErr}");
        }

        _process.WaitForExit();
        Assert.True(Task.WaitAll([_reader, _errors], CliProcess.Patience), "usock's stdout or stderr did not end");
        _feeder.Wait(CliProcess.Patience);
        return (_process.ExitCode, _stdout.ToArray(), StdErr);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
    }

    private void Feed(byte[]? input)
    {
        if (input is null)
        {
            return;
        }

        try
        {
            Stream stdin = _process.StandardInput.BaseStream;
            for (int at = 0; at < input.Length; at += 64 * 1024)
            {
                stdin.Write(input, at, Math.Min(64 * 1024, input.Length - at));
            }

            stdin.Flush();
        }
        catch (IOException)
        {
            // usock stopped reading (it ended, or failed): what it did not take is its own to report
        }
        finally
        {
            CloseStdIn();
        }
    }

    private void ReadOut(TimeSpan pause)
    {
        Stream stdout = _process.StandardOutput.BaseStream;
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = stdout.Read(buffer)) > 0)
        {
            _stdout.Write(buffer, 0, n);
            if (pause > TimeSpan.Zero)
            {
                Thread.Sleep(pause);
            }
        }
    }

    private void ReadErr()
    {
        char[] buffer = new char[4096];
        int n;
        while ((n = _process.StandardError.Read(buffer)) > 0)
        {
            lock (_gate)
            {
                _stderr.Append(buffer, 0, n);
                Monitor.PulseAll(_gate);
            }
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
