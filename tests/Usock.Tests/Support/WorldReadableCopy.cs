using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// A copy of a build-output folder that every user can read (folders 0755, files 0644, under the system's /tmp),
/// for a child process that gives up root: it must load its assemblies from a place user nobody can enter, whatever
/// folder the repository was cloned into. Deleted on dispose. Skips the test with the reason when no such place
/// exists (the .NET installation itself must be readable by everyone too).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WorldReadableCopy : IDisposable
{
    private const UnixFileMode Dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private WorldReadableCopy(string path) => Path = path;

    /// <summary>The copy's folder.</summary>
    public string Path { get; }

    /// <summary>Copies <paramref name="source"/> (recursively) to a new world-readable folder under /tmp.</summary>
    public static WorldReadableCopy Of(string source)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "file modes for user nobody are a Linux matter here");
        string root = Directory.Exists("/tmp") ? "/tmp" : System.IO.Path.GetTempPath();
        string? blocked = FirstNotEnterable(root);
        Assert.SkipWhen(blocked is not null, $"no folder user nobody can enter for the child's copy ({blocked} is not world-executable)");
        string dotnet = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location)!; // the shared framework
        string? runtimeBlocked = FirstNotEnterable(dotnet);
        Assert.SkipWhen(runtimeBlocked is not null, $"the .NET installation is not readable by user nobody ({runtimeBlocked})");

        string path = System.IO.Path.Combine(root, "usock-peer-" + Guid.NewGuid().ToString("N"));
        var copy = new WorldReadableCopy(path);
        Directory.CreateDirectory(path, Dir);
        File.SetUnixFileMode(path, Dir); // not narrowed by the umask
        foreach (string dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            string target = System.IO.Path.Combine(path, System.IO.Path.GetRelativePath(source, dir));
            Directory.CreateDirectory(target, Dir);
            File.SetUnixFileMode(target, Dir);
        }

        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = System.IO.Path.Combine(path, System.IO.Path.GetRelativePath(source, file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, FileMode);
        }

        return copy;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a child still holding a file: /tmp is cleaned eventually
        }
    }

    /// <summary>The first folder on the way to <paramref name="path"/> (inclusive) that others cannot enter, or null.</summary>
    private static string? FirstNotEnterable(string path)
    {
        for (var d = new DirectoryInfo(System.IO.Path.GetFullPath(path)); d is not null; d = d.Parent)
        {
            if (d.Exists && (d.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return d.FullName;
            }
        }

        return null;
    }
}
