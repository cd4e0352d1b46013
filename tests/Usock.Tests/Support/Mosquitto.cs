using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// A real MQTT broker: Debian's mosquitto with its log on stderr (every connect, subscribe, publish and ping it
/// received), a plain listener for the observers (<c>mosquitto_sub</c>) and optionally a TLS listener that requires a
/// client certificate from <see cref="TestPki"/>'s CA, and optionally a password file (made with mosquitto_passwd).
/// </summary>
public sealed class Mosquitto : IDisposable
{
    private readonly List<string> _log = [];
    private readonly string _dir;
    private readonly string _conf;
    private Process _process = null!;

    private Mosquitto(bool tls, IReadOnlyDictionary<string, string>? users)
    {
        _dir = Directory.CreateTempSubdirectory("usock-mosquitto-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // started as root, mosquitto drops to its own user before it reads the password file
            File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        Port = CliTest.ClosedPort();
        var conf = new List<string> { "per_listener_settings false", "persistence false", "log_dest stderr", "log_type all",
            "connection_messages true", $"listener {Port} 127.0.0.1" };
        if (tls)
        {
            TestPki pki = TestPki.Shared;
            TlsPort = CliTest.ClosedPort();
            conf.Add($"listener {TlsPort} 127.0.0.1");
            conf.Add("cafile " + Readable("ca.pem", pki.Ca.CertPem));
            conf.Add("certfile " + Readable("server.pem", pki.Server.CertPem));
            conf.Add("keyfile " + Readable("server.key", pki.Server.KeyPem));
            conf.Add("require_certificate true");
        }

        if (users is null)
        {
            conf.Add("allow_anonymous true");
        }
        else
        {
            string passwords = Path.Combine(_dir, "passwords");
            File.WriteAllText(passwords, "");
            foreach ((string user, string password) in users)
            {
                var psi = new ProcessStartInfo(PasswdPath!, ["-b", passwords, user, password]) { UseShellExecute = false, RedirectStandardError = true };
                using Process p = Process.Start(psi)!;
                Assert.True(p.WaitForExit(10_000) && p.ExitCode == 0, "mosquitto_passwd failed: " + p.StandardError.ReadToEnd());
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwords, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            conf.Add("allow_anonymous false");
            conf.Add("password_file " + passwords);
        }

        _conf = Path.Combine(_dir, "mosquitto.conf");
        File.WriteAllLines(_conf, conf);
        Launch();
    }

    /// <summary>The plain listener.</summary>
    public int Port { get; }

    /// <summary>The TLS listener (client certificate required), 0 without TLS.</summary>
    public int TlsPort { get; }

    private static string? BrokerPath => new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists);

    private static string? SubPath => new[] { "/usr/bin/mosquitto_sub" }.FirstOrDefault(File.Exists);

    private static string? PubPath => new[] { "/usr/bin/mosquitto_pub" }.FirstOrDefault(File.Exists);

    private static string? PasswdPath => new[] { "/usr/bin/mosquitto_passwd" }.FirstOrDefault(File.Exists);

    /// <summary>Starts a broker (skips the test when mosquitto or its clients are not installed).</summary>
    public static Mosquitto Start(bool tls = false, IReadOnlyDictionary<string, string>? users = null)
    {
        Assert.SkipWhen(BrokerPath is null || SubPath is null || PubPath is null || PasswdPath is null,
            "mosquitto and mosquitto-clients are not installed (.ci/run installs them)");
        return new Mosquitto(tls, users);
    }

    /// <summary>
    /// <c>mosquitto_sub -v</c> on the plain listener, subscribed before this returns (its SUBACK seen in its debug
    /// output); it exits after <paramref name="count"/> messages. Its lines are "topic payload".
    /// </summary>
    public LinePeer Subscribe(string topic, int count, string? user = null, string? password = null)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-t", topic, "-v",
            "-C", count.ToString(CultureInfo.InvariantCulture), "-i", "observer-" + Guid.NewGuid().ToString("N")[..8] };
        if (user is not null)
        {
            args.InsertRange(0, ["-u", user, "-P", password!]);
        }

        string id = args[^1];
        LinePeer sub = LinePeer.Start(SubPath!, [.. args]);
        try
        {
            WaitFor($"Sending SUBACK to {id}", "the observer's subscription"); // mosquitto_sub's own output is block-buffered
        }
        catch
        {
            sub.Dispose(); // a failed test leaves no observer running
            throw;
        }

        return sub;
    }

    /// <summary>Kills the broker (its clients' connections end as in a crash) and starts it again on the same ports.</summary>
    public void Restart()
    {
        Stop();
        Launch();
    }

    /// <summary><c>mosquitto_pub</c> of one message on the plain listener (QoS 1), to its end.</summary>
    public void Publish(string topic, string message)
    {
        var psi = new ProcessStartInfo(PubPath!, ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-t", topic, "-m", message, "-q", "1"])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        using Process p = Process.Start(psi)!;
        Assert.True(p.WaitForExit(CliProcess.Patience) && p.ExitCode == 0, "mosquitto_pub failed: " + p.StandardError.ReadToEnd());
    }

    /// <summary>The broker's log so far.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>The first log line containing <paramref name="text"/>, waiting for it (bounded).</summary>
    public string WaitFor(string text, string what)
    {
        string? found = null;
        bool ok = Loopback.Eventually(() => (found = Log.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))) is not null, CliProcess.Patience.TotalSeconds);
        Assert.True(ok, $"mosquitto never logged {what} ({text}); its log:\n{string.Join('\n', Log)}");
        return found!;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }

    private void Launch()
    {
        lock (_log)
        {
            _log.Clear();
        }

        var start = new ProcessStartInfo(BrokerPath!, ["-c", _conf]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        Process process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        WaitFor($"Opening ipv4 listen socket on port {Port}.", "its listener");
        if (TlsPort != 0)
        {
            WaitFor($"Opening ipv4 listen socket on port {TlsPort}.", "its TLS listener");
        }

        WaitFor("running", "that it runs");
    }

    private void Stop()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        if (_process.WaitForExit(10_000))
        {
            _process.WaitForExit(); // its last log lines are in before a restart clears the log
        }

        _process.Dispose();
    }

    // A file mosquitto can read after it dropped root (TestPki's folder is the test user's alone).
    private string Readable(string name, string pem)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return path;
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }
}
