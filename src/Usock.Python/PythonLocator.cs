using System.Diagnostics;
using System.Globalization;

namespace Usock.Python;

/// <summary>A CPython installation that can be embedded: its executable, shared library and version.</summary>
/// <param name="Executable">The interpreter's <c>sys.executable</c> (a venv's own python when run from one).</param>
/// <param name="Library">The full path of its shared library (<c>libpython3.X.so</c>).</param>
/// <param name="Version">Its version, e.g. 3.11.</param>
public sealed record PythonInstall(string Executable, string Library, Version Version);

/// <summary>
/// Finds the Python to embed: <c>--python PATH</c>, else <c>USOCK_PYTHON</c>, else <c>python3</c> on PATH. The
/// interpreter itself is asked (isolated, <c>python3 -I -c</c>) where its shared library is, through
/// <c>sysconfig</c>'s LIBDIR and INSTSONAME.
/// </summary>
public static class PythonLocator
{
    /// <summary>The oldest CPython the bridge supports (pythonnet 3.2 supports 3.11 and newer).</summary>
    public static readonly Version Minimum = new(3, 11);

    private const string Probe =
        "import sys, sysconfig as c\n" +
        "v = c.get_config_var\n" +
        "print(sys.version_info[0], sys.version_info[1])\n" +
        "print(sys.executable)\n" +
        "print(v('LIBDIR') or '')\n" +
        "print(v('INSTSONAME') or '')\n" +
        "print(v('LDLIBRARY') or '')\n" +
        "print(v('MULTIARCH') or '')\n" +
        "print(sys.base_prefix)\n";

    /// <summary>Finds a Python to embed.</summary>
    /// <param name="explicitPath">The <c>--python</c> value, or <c>null</c>.</param>
    /// <returns>The installation.</returns>
    /// <exception cref="PythonNotFoundException">None found, it has no shared library, or it is older than 3.11;
    /// the message is one line saying what to install.</exception>
    public static PythonInstall Locate(string? explicitPath)
    {
        string? env = Environment.GetEnvironmentVariable("USOCK_PYTHON");
        string python = !string.IsNullOrEmpty(explicitPath) ? explicitPath
            : !string.IsNullOrEmpty(env) ? env
            : "python3";
        string[] lines = AskCached(python);
        if (lines.Length < 7
            || !int.TryParse(lines[0].Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            || !int.TryParse(lines[0].Split(' ')[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
        {
            throw new PythonNotFoundException($"'{python}' did not answer as a Python interpreter; install python3 (3.11 or newer) and its shared library (Debian: apt-get install python3 libpython3.11), or name one with --python or USOCK_PYTHON");
        }

        var version = new Version(major, minor);
        if (version < Minimum)
        {
            throw new PythonNotFoundException($"'{python}' is Python {version}; usock run needs 3.11 or newer (Debian: apt-get install python3 libpython3.11), or name one with --python or USOCK_PYTHON");
        }

        string executable = lines[1], libDir = lines[2], soName = lines[3], ldLibrary = lines[4], multiarch = lines[5], basePrefix = lines[6];
        var candidates = new List<string>();
        foreach (string name in new[] { soName, ldLibrary, $"libpython{major}.{minor}.so.1.0", $"libpython{major}.{minor}.so" })
        {
            if (name.Length == 0 || !name.Contains(".so", StringComparison.Ordinal))
            {
                continue; // a static library (.a) cannot be embedded
            }

            foreach (string dir in new[] { libDir, multiarch.Length > 0 ? Path.Combine(libDir, multiarch) : "", Path.Combine(basePrefix, "lib"), multiarch.Length > 0 ? Path.Combine("/usr/lib", multiarch) : "" })
            {
                if (dir.Length > 0)
                {
                    candidates.Add(Path.Combine(dir, name));
                }
            }
        }

        string? library = candidates.FirstOrDefault(File.Exists);
        if (library is null)
        {
            throw new PythonNotFoundException($"Python {version} at '{executable}' has no shared library (looked for {string.Join(", ", candidates.Distinct().Take(3))}); install libpython{version} (Debian: apt-get install libpython{version})");
        }

        return new PythonInstall(executable, library, version);
    }

    /// <summary>
    /// The probe's answer, cached per interpreter file (path, size and modification time) under
    /// <c>~/.cache/usock</c>: asking python3 costs a process start (~70 ms) on every run otherwise.
    /// </summary>
    private static string[] AskCached(string python)
    {
        string? file = Resolve(python);
        string? cache = null;
        if (file is not null)
        {
            try
            {
                var info = new FileInfo(file);
                if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
                {
                    info = target;
                }

                if (IsScript(info))
                {
                    return Ask(python); // a launcher script (pyenv's shim) may pick another Python next time
                }

                string key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{Probe}";
                string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
                string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
                cache = Path.Combine(root, "usock", $"python-{hash}.txt");
                if (File.Exists(cache))
                {
                    string[] cached = File.ReadAllLines(cache);
                    if (cached.Length >= 7 && File.Exists(cached[1]) && Directory.Exists(cached[2]))
                    {
                        return cached;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                cache = null;
            }
        }

        string[] lines = Ask(python);
        if (cache is not null && lines.Length >= 7)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
                File.WriteAllLines(cache, lines);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // no cache: the next run asks again
            }
        }

        return lines;
    }

    private static bool IsScript(FileInfo file)
    {
        using FileStream f = file.OpenRead();
        return f.ReadByte() == '#' && f.ReadByte() == '!';
    }

    /// <summary>The interpreter's file: the path itself when it names one, else the first match on PATH.</summary>
    private static string? Resolve(string python)
    {
        if (python.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(python) ? Path.GetFullPath(python) : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, python);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string[] Ask(string python)
    {
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-I");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Probe);
        try
        {
            using Process p = Process.Start(psi) ?? throw new PythonNotFoundException($"could not start '{python}'");
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(30_000) || p.ExitCode != 0)
            {
                return [];
            }

            return output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PythonNotFoundException($"no Python found ('{python}' is not on PATH); install python3 (3.11 or newer) and libpython3.11 (Debian: apt-get install python3 libpython3.11), or name one with --python or USOCK_PYTHON");
        }
    }
}

/// <summary>No usable Python: none found, no shared library, or older than 3.11. The message is one line.</summary>
public sealed class PythonNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PythonNotFoundException()
    {
    }

    /// <summary>Creates the exception with its one-line message.</summary>
    /// <param name="message">What is missing and what to install.</param>
    public PythonNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PythonNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
