using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>ql_fs</c> under <c>usock run</c>: a JSON configuration written, read back, copied, and folders made and removed.</summary>
public sealed class QlFsTests
{
    [Fact]
    public void A_json_config_round_trips_and_lands_on_disk_as_json()
    {
        PythonScripts.SkipUnlessPython();
        string root = Directory.CreateTempSubdirectory("usock-qlfs-").FullName;
        try
        {
            CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("device/ql_fs_json.py"), root);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("ql_fs OK\n", r.StdOut);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "usr", "conf", "dtu_config.json")));
            Assert.Equal(6666, doc.RootElement.GetProperty("port").GetInt32());
            Assert.Equal("127.0.0.1", doc.RootElement.GetProperty("server").GetString());
            Assert.False(Directory.Exists(Path.Combine(root, "bak"))); // rmdirs removed the tree
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
