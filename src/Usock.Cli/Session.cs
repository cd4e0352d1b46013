using System.Diagnostics;

namespace Usock.Cli;

/// <summary>How a <see cref="Session"/> ended.</summary>
/// <param name="By">Why: <c>peer</c> (end of stream from the peer), <c>local</c> (stdout closed),
/// <c>timeout</c> (no data for the drain timeout after stdin ended), <c>interrupt</c> (Ctrl-C) or <c>error</c>.</param>
/// <param name="FailedOp">The socket call that failed, when <paramref name="By"/> is <c>error</c>.</param>
/// <param name="Error">Its error.</param>
internal readonly record struct SessionEnd(string By, string? FailedOp = null, UsocketException? Error = null)
{
    /// <summary>The exit code this ending calls for.</summary>
    public int ExitCode => By switch
    {
        "error" => ExitCodes.SocketError,
        "interrupt" => ExitCodes.Interrupted,
        _ => ExitCodes.Ok,
    };
}

/// <summary>
/// The netcat core over one connected socket: a reader thread takes what arrives (to stdout, or straight back
/// with <c>--echo</c>) and a writer thread sends stdin. The session ends when the peer closes; when stdin ends
/// first, a TCP session half-closes (<see cref="USocket.SHUT_WR"/>) and keeps reading until the peer closes or no
/// data has come for the drain timeout (a UDP session just waits out the timeout). Every network call goes
/// through <see cref="USocket"/>: one thread receives and one sends, as the library allows.
/// </summary>
internal sealed class Session
{
    private readonly USocket _sock;
    private readonly USslSocket? _tls; // --tls: data goes through it, and it closes the socket
    private readonly (string Host, int Port) _peer;
    private readonly Reporter _report;
    private readonly bool _datagram;
    private readonly bool _echo;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll: the threads' ends and the drain timer
    private readonly Lock _sendGate = new();
    private bool _readerDone;
    private bool _writerDone;
    private bool _interrupted;
    private bool _finished;
    private string _readerEnd = "peer";
    private (string Op, UsocketException Error)? _failure;
    private long _lastActivity;
    private long _sent;
    private long _received;

    /// <summary>Creates a session over a connected socket.</summary>
    /// <param name="sock">The connected socket; the session closes it when it ends.</param>
    /// <param name="peer">The other end, for messages.</param>
    /// <param name="report">Where events go.</param>
    /// <param name="echo">Send back what arrives instead of writing it out.</param>
    /// <param name="tls">The TLS connection over <paramref name="sock"/> (<c>--tls</c>), or null.</param>
    public Session(USocket sock, (string Host, int Port) peer, Reporter report, bool echo = false, USslSocket? tls = null)
    {
        _sock = sock;
        _tls = tls;
        _peer = peer;
        _report = report;
        _echo = echo;
        _datagram = sock.Type == USocket.SOCK_DGRAM;
    }

    /// <summary>Bytes sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Bytes received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>The other end.</summary>
    public (string Host, int Port) Peer => _peer;

    /// <summary>Runs the session to its end and closes the socket.</summary>
    /// <param name="input">Sent to the peer (stdin), or <c>null</c> to send nothing of our own.</param>
    /// <param name="output">Where received data goes (stdout); unused with echo.</param>
    /// <param name="outputGate">Held while writing <paramref name="output"/>, which sessions may share.</param>
    /// <param name="crlf">Turn <c>\n</c> into <c>\r\n</c> in what is sent from <paramref name="input"/>.</param>
    /// <param name="drainTimeout">After <paramref name="input"/> ends: how long the peer may stay silent before the
    /// session closes anyway; zero waits for ever.</param>
    public SessionEnd Run(Stream? input, Stream? output, Lock outputGate, bool crlf, TimeSpan drainTimeout)
    {
        var reader = new Thread(() => ReadLoop(output, outputGate)) { IsBackground = true, Name = "usock recv" };
        Thread? writer = input is null ? null : new Thread(() => WriteLoop(input, crlf)) { IsBackground = true, Name = "usock send" };
        using IDisposable ctrlC = Interrupt.OnInterrupt(() => Signal(() => _interrupted = true));
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        reader.Start();
        writer?.Start();

        SessionEnd end = Wait(drainTimeout);
        _tls?.Close();
        _sock.Close(); // wakes the reader (and a writer blocked in send) with EBADF, which no longer counts
        reader.Join(TimeSpan.FromSeconds(5));
        return end;
    }

    /// <summary>Sends data to the peer (from any thread; sends are serialised) and reports it.</summary>
    /// <exception cref="UsocketException">The send failed.</exception>
    public void Send(ReadOnlySpan<byte> data)
    {
        lock (_sendGate)
        {
            // Reported first, so that a dump never shows the answer before the question.
            _report.Traffic(true, _peer, data, _sent);
            if (_tls is not null)
            {
                _tls.SendAll(data);
            }
            else if (_datagram)
            {
                _sock.Send(data); // one datagram per chunk; UDP sends it whole or not at all
            }
            else
            {
                _sock.SendAll(data);
            }

            Interlocked.Add(ref _sent, data.Length);
        }
    }

    /// <summary>Ends the session from outside (a server shutting down), as Ctrl-C does.</summary>
    public void Stop() => Signal(() => _interrupted = true);

    private SessionEnd Wait(TimeSpan drainTimeout)
    {
        lock (_gate)
        {
            while (!_readerDone && !_writerDone && !_interrupted)
            {
                Monitor.Wait(_gate);
            }

            bool inputEnded = _writerDone && !_readerDone && !_interrupted && _failure is null;
            if (inputEnded && !_datagram)
            {
                try
                {
                    if (_tls is not null)
                    {
                        _tls.Shutdown(USocket.SHUT_WR); // close_notify, then FIN
                    }
                    else
                    {
                        _sock.Shutdown(USocket.SHUT_WR);
                    }
                }
                catch (UsocketException e)
                {
                    _failure = ("shutdown", e);
                }
            }

            bool timedOut = false;
            if (inputEnded && _failure is null)
            {
                Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
                while (!_readerDone && !_interrupted)
                {
                    if (drainTimeout <= TimeSpan.Zero)
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    TimeSpan left = drainTimeout - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
                    if (left <= TimeSpan.Zero)
                    {
                        timedOut = true;
                        break;
                    }

                    Monitor.Wait(_gate, left);
                }
            }

            _finished = true;
            return _interrupted ? new SessionEnd("interrupt")
                : _failure is { } f ? new SessionEnd("error", f.Op, f.Error)
                : timedOut ? new SessionEnd("timeout")
                : new SessionEnd(_readerEnd);
        }
    }

    private void ReadLoop(Stream? output, Lock outputGate)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = _tls is null ? Receive.Chunk(_sock, buffer) : _tls.RecvInto(buffer) is int t and > 0 ? t : -1;
                if (n < 0)
                {
                    return; // end of stream
                }

                Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
                _report.Traffic(false, _peer, buffer.AsSpan(0, n), _received);
                Interlocked.Add(ref _received, n);
                if (_echo)
                {
                    if (n > 0 && !Echo(buffer.AsSpan(0, n)))
                    {
                        return;
                    }
                }
                else if (output is not null && !WriteOut(output, outputGate, buffer.AsSpan(0, n)))
                {
                    _readerEnd = "local";
                    return;
                }
            }
        }
        catch (UsocketException e)
        {
            Fail("recv", e);
        }
        finally
        {
            Signal(() => _readerDone = true);
        }
    }

    private void WriteLoop(Stream input, bool crlf)
    {
        byte[] buffer = new byte[16 * 1024];
        LineEndings? endings = crlf ? new LineEndings() : null;
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = input.Read(buffer);
                }
                catch (IOException)
                {
                    n = 0; // stdin failed: as good as ended
                }

                if (n == 0)
                {
                    return;
                }

                ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                Send((endings?.Convert(chunk) ?? chunk).Span);
            }
        }
        catch (UsocketException e)
        {
            Fail("send", e);
        }
        finally
        {
            Signal(() => _writerDone = true);
        }
    }

    private bool Echo(ReadOnlySpan<byte> data)
    {
        try
        {
            Send(data);
            return true;
        }
        catch (UsocketException e)
        {
            Fail("send", e);
            return false;
        }
    }

    private static bool WriteOut(Stream output, Lock gate, ReadOnlySpan<byte> data)
    {
        lock (gate)
        {
            try
            {
                output.Write(data);
                output.Flush();
                return true;
            }
            catch (IOException)
            {
                return false; // stdout closed (a pipe reader that quit): stop quietly
            }
        }
    }

    private void Fail(string op, UsocketException e) => Signal(() =>
    {
        if (!_finished && !_interrupted && _failure is null)
        {
            _failure = (op, e);
        }
    });

    private void Signal(Action change)
    {
        lock (_gate)
        {
            change();
            Monitor.PulseAll(_gate);
        }
    }
}
