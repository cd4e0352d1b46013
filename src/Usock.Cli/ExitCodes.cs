namespace Usock.Cli;

/// <summary>The exit codes of every usock command, as documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A socket call failed; stderr names the errno.</summary>
    public const int SocketError = 1;

    /// <summary>The command line was wrong: unknown option, bad value.</summary>
    public const int Usage = 2;

    /// <summary>The network check failed (the example's checkNet step).</summary>
    public const int NoNetwork = 3;

    /// <summary>A local file could not be read or written (<c>usock send</c>, <c>usock recv</c>).</summary>
    public const int FileError = 4;

    /// <summary>Interrupted by Ctrl-C (SIGINT), as shells report a process ended by that signal.</summary>
    public const int Interrupted = 130;
}
