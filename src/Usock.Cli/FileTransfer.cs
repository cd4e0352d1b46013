using System.Security.Cryptography;

namespace Usock.Cli;

/// <summary>
/// What <c>usock send</c> and <c>usock recv</c> share: the file opened first (a failure there is <c>open</c> and
/// <see cref="ExitCodes.FileError"/>), the transfer run with the socket call it is at (<see cref="Op"/>) named in a
/// socket failure, a file failure after that named by the command (<c>read</c> or <c>write</c>), and the one copy
/// loop that shows, moves and hashes each chunk.
/// </summary>
internal sealed class FileTransfer
{
    /// <summary>The file's buffer, and the most one chunk carries.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Hands a chunk on: to the socket, or to the file.</summary>
    public delegate void Writer(ReadOnlySpan<byte> chunk);

    /// <summary>The socket call the transfer is at, named when it fails.</summary>
    public string Op { get; set; } = "getaddrinfo";

    /// <summary>Opens the file, runs <paramref name="transfer"/> over it and maps its failures to exit codes.</summary>
    /// <param name="report">Where failures are reported.</param>
    /// <param name="open">Opens the file (or stdin, stdout).</param>
    /// <param name="fileOp">What a file error during the transfer is called: <c>read</c> or <c>write</c>.</param>
    /// <param name="transfer">The transfer; it sets <see cref="Op"/> as it goes and returns the exit code.</param>
    public static int Run(Reporter report, Func<Stream> open, string fileOp, Func<Stream, FileTransfer, int> transfer)
    {
        Stream file;
        try
        {
            file = open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report.Failed("open", e.Message);
            return ExitCodes.FileError;
        }

        var t = new FileTransfer();
        using (file)
        {
            try
            {
                return transfer(file, t);
            }
            catch (UsocketException e)
            {
                return report.SocketFailure(t.Op, e);
            }
            catch (IOException e)
            {
                report.Failed(fileOp, e.Message);
                return ExitCodes.FileError;
            }
        }
    }

    /// <summary>
    /// Copies chunks until <paramref name="read"/> ends (-1): each is shown as traffic with <paramref name="peer"/>,
    /// handed to <paramref name="write"/>, hashed, and counted on the progress bar. Returns the bytes copied.
    /// </summary>
    public static long Copy(
        Func<byte[], int> read, Writer write, IncrementalHash sha, Reporter report, bool outgoing, (string Host, int Port) peer, Action<long> advance)
    {
        byte[] buffer = new byte[ChunkSize];
        long copied = 0;
        int n;
        while ((n = read(buffer)) >= 0)
        {
            ReadOnlySpan<byte> chunk = buffer.AsSpan(0, n);
            report.Traffic(outgoing, peer, chunk, copied);
            write(chunk);
            sha.AppendData(chunk);
            copied += n;
            advance(n);
        }

        return copied;
    }
}
