using System.CommandLine;

namespace Usock.Cli;

/// <summary>
/// <c>--tls</c> and its files for <c>connect</c> and <c>listen</c>: wraps the connected socket with
/// <see cref="USsl.WrapSocket"/> and reports the negotiated protocol, cipher and the peer's subject on stderr.
/// </summary>
internal sealed class TlsCliOptions
{
    private readonly Option<bool> _tls = new("--tls") { Description = "Talk TLS over the connection (ussl.wrap_socket)" };
    private readonly Option<FileInfo?> _ca = new("--ca") { Description = "CA certificate(s), PEM or DER: verify the peer against them (without --ca the peer is NOT verified, as on the device)", HelpName = "FILE" };
    private readonly Option<FileInfo?> _cert = new("--cert") { Description = "Our certificate, PEM or DER (a client certificate for connect; required for listen --tls)", HelpName = "FILE" };
    private readonly Option<FileInfo?> _key = new("--key") { Description = "The private key of --cert, PEM or DER", HelpName = "FILE" };
    private readonly Option<string?> _sni = new("--sni") { Description = "Server name to send (SNI) and, with --ca, to check in its certificate (default: HOST when it is a name)", HelpName = "NAME" };
    private readonly bool _server;

    private TlsCliOptions(bool server) => _server = server;

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public static TlsCliOptions AddTo(Command command, bool server)
    {
        var o = new TlsCliOptions(server);
        command.Options.Add(o._tls);
        command.Options.Add(o._ca);
        command.Options.Add(o._cert);
        command.Options.Add(o._key);
        if (!server)
        {
            command.Options.Add(o._sni);
        }

        command.Validators.Add(r =>
        {
            bool tls = r.GetValue(o._tls);
            if (!tls && (r.GetValue(o._ca) is not null || r.GetValue(o._cert) is not null || r.GetValue(o._key) is not null || (!server && r.GetValue(o._sni) is not null)))
            {
                r.AddError("--ca, --cert, --key and --sni need --tls.");
            }

            if ((r.GetValue(o._cert) is null) != (r.GetValue(o._key) is null))
            {
                r.AddError("--cert and --key go together.");
            }

            if (tls && server && r.GetValue(o._cert) is null)
            {
                r.AddError("listen --tls needs --cert and --key.");
            }
        });
        return o;
    }

    /// <summary>The <c>--tls</c> option itself, for validators.</summary>
    public Option<bool> Option => _tls;

    /// <summary>True with <c>--tls</c>.</summary>
    public bool Enabled(ParseResult r) => r.GetValue(_tls);

    /// <summary>
    /// Wraps <paramref name="sock"/> (its timeout bounds the handshake) and reports the session; <c>null</c> after
    /// reporting a failure whose exit code is in <paramref name="exitCode"/>.
    /// </summary>
    public USslSocket? Wrap(ParseResult r, USocket sock, string? host, Reporter report, out int exitCode)
    {
        exitCode = ExitCodes.Ok;
        byte[]? ca, cert, key;
        try
        {
            ca = Read(r.GetValue(_ca));
            cert = Read(r.GetValue(_cert));
            key = Read(r.GetValue(_key));
        }
        catch (IOException e)
        {
            report.Failed("open", e.Message);
            exitCode = ExitCodes.FileError;
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            report.Failed("open", e.Message);
            exitCode = ExitCodes.FileError;
            return null;
        }

        string? sni = _server ? null : r.GetValue(_sni) ?? (host is not null && !System.Net.IPAddress.TryParse(host, out _) ? host : null);
        try
        {
            USslSocket tls = USsl.WrapSocket(sock, ca: ca, key: key, cert: cert, serverSide: _server, serverHostname: sni);
            report.Note($"tls: {Name(tls.Protocol)} {tls.CipherSuite} peer {tls.PeerSubject ?? "(no certificate)"}{(ca is null ? " (not verified: no --ca)" : " (verified)")}");
            return tls;
        }
        catch (ArgumentException e)
        {
            report.Failed("wrap_socket", e.Message);
            exitCode = ExitCodes.Usage;
            return null;
        }
        catch (UsocketException e)
        {
            exitCode = report.SocketFailure("wrap_socket", e);
            return null;
        }
    }

    private static byte[]? Read(FileInfo? file) => file is null ? null : File.ReadAllBytes(file.FullName);

    private static string Name(System.Security.Authentication.SslProtocols p) => p switch
    {
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        _ => p.ToString(),
    };
}
