namespace Usock.Python;

/// <summary>
/// The ussl calls that can block, made interruptible as the plain socket's are: on the script's main thread a Ctrl-C
/// closes the socket under the call (the TLS call ends with 9 from the core) and the script sees KeyboardInterrupt.
/// Each is one line over <see cref="USslSocket"/>.
/// </summary>
public static partial class Bridge
{
    /// <summary><c>ussl.wrap_socket</c>: the handshake (when blocking) is interruptible.</summary>
    /// <returns>The wrapped socket.</returns>
    public static USslSocket TlsWrap(USocket sock, USslData? ca, USslData? key, USslData? cert, bool serverSide, string? serverHostname, bool doHandshake) =>
        Blocking(sock, () => USsl.WrapSocket(sock, ca, key, cert, serverSide, serverHostname, doHandshake));

    /// <summary><c>read([size])</c>.</summary>
    /// <returns>As <see cref="USslSocket.Read"/>.</returns>
    public static byte[]? TlsRead(USslSocket tls, int size) => Blocking(Sock(tls), () => tls.Read(size));

    /// <summary><c>readinto(buf, nbytes)</c> into a .NET array.</summary>
    /// <returns>As <see cref="USslSocket.ReadInto(byte[], int)"/>.</returns>
    public static int? TlsReadInto(USslSocket tls, byte[] buffer, int nbytes) => Blocking(Sock(tls), () => tls.ReadInto(buffer, nbytes));

    /// <summary><c>readline()</c>.</summary>
    /// <returns>As <see cref="USslSocket.ReadLine"/>.</returns>
    public static byte[]? TlsReadLine(USslSocket tls) => Blocking(Sock(tls), tls.ReadLine);

    /// <summary><c>recv(bufsize)</c>.</summary>
    /// <returns>As <see cref="USslSocket.Recv"/>.</returns>
    public static byte[] TlsRecv(USslSocket tls, int bufsize) => Blocking(Sock(tls), () => tls.Recv(bufsize));

    /// <summary><c>write(buf)</c>.</summary>
    /// <returns>As <see cref="USslSocket.Write(byte[])"/>.</returns>
    public static int? TlsWrite(USslSocket tls, byte[] data) => Blocking(Sock(tls), () => tls.Write(data));

    /// <summary><c>send(buf)</c>.</summary>
    /// <returns>As <see cref="USslSocket.Send(byte[])"/>.</returns>
    public static int TlsSend(USslSocket tls, byte[] data) => Blocking(Sock(tls), () => tls.Send(data));

    /// <summary><c>sendall(buf)</c>.</summary>
    public static void TlsSendAll(USslSocket tls, byte[] data) => Blocking(Sock(tls), () => tls.SendAll(data));

    /// <summary><c>do_handshake()</c>.</summary>
    public static void TlsDoHandshake(USslSocket tls) => Blocking(Sock(tls), tls.DoHandshake);

    private static USocket Sock(USslSocket tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return tls.Socket;
    }

    private static T Blocking<T>(USocket socket, Func<T> call)
    {
        T result = default!;
        Blocking(socket, () => { result = call(); });
        return result;
    }
}
