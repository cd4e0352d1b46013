using System.Diagnostics;
using System.Text;

namespace Usock.Tests.Support;

/// <summary>
/// A QuecPython project laid out as for the device in a fresh temporary folder: <see cref="Usr"/> is what the
/// device has as <c>/usr</c>, <see cref="Bak"/> (beside it) its <c>/bak</c>. Deleted on dispose.
/// </summary>
public sealed class DeviceProject : IDisposable
{
    /// <summary>Creates the folder (<c>usock-layout-*/usr</c>).</summary>
    public DeviceProject()
    {
        Root = Directory.CreateTempSubdirectory("usock-layout-").FullName;
        Usr = Path.Combine(Root, "usr");
        Directory.CreateDirectory(Usr);
    }

    /// <summary>The temporary folder holding usr/ and bak/.</summary>
    public string Root { get; }

    /// <summary>The program's folder: the device's <c>/usr</c>.</summary>
    public string Usr { get; }

    /// <summary>The device's <c>/bak</c> by default: <c>bak</c> beside <see cref="Usr"/>.</summary>
    public string Bak => Path.Combine(Root, "bak");

    /// <summary>Writes a file under <see cref="Usr"/> (folders made as needed).</summary>
    /// <returns>This project.</returns>
    public DeviceProject File(string relative, string text)
    {
        string path = Path.Combine(Usr, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text.ReplaceLineEndings("\n"), new UTF8Encoding(false));
        return this;
    }

    /// <summary>Reads a file under <see cref="Root"/>.</summary>
    public string Read(string relativeToRoot) => System.IO.File.ReadAllText(Path.Combine(Root, relativeToRoot));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException e)
        {
            Trace.WriteLine($"could not delete {Root}: {e.Message}");
        }
    }
}
