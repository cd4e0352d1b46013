using System.Diagnostics;

namespace Usock.Cli;

/// <summary>How a <see cref="Session"/> ended.</summary>
/// <param name="By">Why: <c>peer</c> (end of stream from the peer), <c>local</c> (stdout closed),
/// <c>timeout</c> (no data for the drain timeout after stdin ended), <c>interrupt</c> (Ctrl-C) or <c>error</c>.</param>
/// <param name="FailedOp">The socket call that failed, when <paramref name="By"/> is <c>error</c>.</param>
/// <param name="Error">Its error.</param>
/// <param name="InputNotSent">The session ended before stdin did: the rest of the input was never sent.</param>
internal readonly record struct SessionEnd(string By, string? FailedOp = null, UsocketException? Error = null, bool InputNotSent = false)
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
/// The netcat core over one connected socket, with OpenBSD netcat's rule for the end: a reader thread takes what
/// arrives (to stdout, or straight back with <c>--echo</c>) and a writer thread sends stdin. When stdin ends, a TCP
/// session half-closes (<see cref="USocket.SHUT_WR"/>: the peer sees end of stream) and keeps reading; when the
/// peer's end of stream comes first, it keeps sending its input. The session ends when both directions are done, or
/// when the peer has been silent for the drain timeout after stdin ended (a UDP session just waits that out). Input
/// that could not be sent (the peer went away before taking it) is an error. When stdin is a terminal, the peer's
/// end of stream ends the session at once (nobody is typing into a dead connection). Every network call goes
/// through the one socket surface the plain and the TLS socket share (<c>ISocketSurface</c>): the session does not
/// know which it has. One thread receives and one sends, as the library allows.
/// </summary>
internal sealed class Session
{
    /// <summary>How long an interrupted session keeps reading after its FIN, so the peer can close first (no RST).</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(1);

    private readonly ISocketSurface _conn; // the socket, or with --tls the TLS connection over it (closing it closes both)
    private readonly (string Host, int Port) _peer;
    private readonly Reporter _report;
    private readonly bool _datagram;
    private readonly bool _echo;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll: the threads' ends and the drain timer
    private readonly Lock _sendGate = new();
    private bool _readerDone;
    private bool _writerDone;
    private bool _shutWr;
    private bool _interrupted;
    private bool _finished;
    private string _readerEnd = "peer";
    private (string Op, UsocketException Error)? _failure;
    private long _lastActivity;
    private long _sent;
    private long _received;

    /// <summary>Creates a session over a connected socket.</summary>
    /// <param name="conn">The connected socket, or the TLS connection over it (<c>--tls</c>); the session closes it
    /// when it ends.</param>
    /// <param name="peer">The other end, for messages.</param>
    /// <param name="report">Where events go.</param>
    /// <param name="echo">Send back what arrives instead of writing it out.</param>
    public Session(ISocketSurface conn, (string Host, int Port) peer, Reporter report, bool echo = false)
    {
        _conn = conn;
        _peer = peer;
        _report = report;
        _echo = echo;
        _datagram = !conn.IsStream;
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
    /// <param name="interactive">The input is a terminal: the peer's end of stream ends the session without waiting
    /// for the input to end.</param>
    public SessionEnd Run(Stream? input, Stream? output, Lock outputGate, bool crlf, TimeSpan drainTimeout, bool interactive = false)
    {
        var reader = new Thread(() => ReadLoop(output, outputGate)) { IsBackground = true, Name = "usock recv" };
        Thread? writer = input is null ? null : new Thread(() => WriteLoop(input, crlf)) { IsBackground = true, Name = "usock send" };
        using IDisposable ctrlC = Interrupt.OnInterrupt(() => Signal(() => _interrupted = true));
        _interrupted = Interrupt.Requested; // Ctrl-C that came between the accept and the registration above
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        if (writer is null)
        {
            _writerDone = true; // nothing of our own to send: the peer's end of stream ends the session
        }

        reader.Start();
        writer?.Start();

        SessionEnd end = Wait(drainTimeout, waitForInput: writer is not null && !interactive);
        if (end.By == "interrupt")
        {
            Linger(reader);
        }
        else if (!_datagram && end.By != "error")
        {
            ShutdownSend(); // our FIN, if the writer did not send it (echo, or stdin still open on a terminal)
        }

        // TLS: close_notify and the FIN, after reading away what is unread. Closing wakes a reader or writer still
        // blocked (EBADF, which no longer counts).
        _conn.Close();
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
            if (_datagram)
            {
                _conn.Send(data); // one datagram per chunk; UDP sends it whole or not at all
            }
            else
            {
                _conn.SendAll(data);
            }

            Interlocked.Add(ref _sent, data.Length);
        }
    }

    /// <summary>Says how the session ended: the failure, if any, then <c>connection (…) closed …: N bytes sent, M bytes
    /// received</c>.</summary>
    public void ReportEnd(SessionEnd end)
    {
        if (end.Error is not null)
        {
            _report.Failed(end.FailedOp!, end.Error);
        }
        else if (end.InputNotSent)
        {
            _report.Failed("send", "stdout was closed before stdin ended: the rest of stdin was not sent");
        }

        _report.Closed(_peer, end.By, Sent, Received);
    }

    /// <summary>Ends the session from outside (a server shutting down), as Ctrl-C does.</summary>
    public void Stop() => Signal(() => _interrupted = true);

    private SessionEnd Wait(TimeSpan drainTimeout, bool waitForInput)
    {
        lock (_gate)
        {
            bool timedOut = false;
            while (!_interrupted && _failure is null)
            {
                if (_readerDone && (_writerDone || !waitForInput || _readerEnd != "peer"))
                {
                    break; // both directions done (or nothing more will be read and nobody waits for the input)
                }

                if (!_writerDone || drainTimeout <= TimeSpan.Zero)
                {
                    Monitor.Wait(_gate);
                    continue;
                }

                // Our input has ended (and was half-closed): the peer may stay silent for drainTimeout at most.
                TimeSpan left = drainTimeout - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
                if (left <= TimeSpan.Zero)
                {
                    timedOut = true;
                    break;
                }

                Monitor.Wait(_gate, left);
            }

            _finished = true;
            if (!_interrupted && _failure is null && !timedOut && waitForInput && !_writerDone)
            {
                // Only stdout closing ends a session before a redirected stdin does: that input was never sent.
                return new SessionEnd("error", "send", InputNotSent: true);
            }

            return _interrupted ? new SessionEnd("interrupt")
                : _failure is { } f ? new SessionEnd("error", f.Op, f.Error)
                : timedOut ? new SessionEnd("timeout")
                : new SessionEnd(_readerEnd);
        }
    }

    /// <summary>Ctrl-C: send our FIN now, then keep reading briefly so the peer can close first and nothing unread
    /// is left to turn the close into a reset.</summary>
    private void Linger(Thread reader)
    {
        if (!_datagram)
        {
            ShutdownSend();
            reader.Join(InterruptGrace);
        }
    }

    private void ShutdownSend()
    {
        lock (_sendGate)
        {
            if (_shutWr)
            {
                return;
            }

            _shutWr = true;
            try
            {
                _conn.Shutdown(USocket.SHUT_WR); // TLS: close_notify, then FIN
            }
            catch (UsocketException)
            {
                // already gone (reset, or closed): nothing left to half-close
            }
        }
    }

    private void ReadLoop(Stream? output, Lock outputGate)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = Receive.Chunk(_conn, buffer);
                if (n < 0)
                {
                    _report.Verbose("the peer ended its stream (FIN)");
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
                    _readerEnd = "local"; // stdout closed (a pipe reader that quit): nowhere to put more
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
        byte[] buffer = new byte[64 * 1024];
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
                    break;
                }

                ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                Send((endings?.Convert(chunk) ?? chunk).Span);
            }

            if (!_datagram)
            {
                _report.Verbose("stdin ended: half-closing (shutdown SHUT_WR)");
                lock (_sendGate)
                {
                    _shutWr = true;
                    _conn.Shutdown(USocket.SHUT_WR); // the peer sees our end of stream (TLS: close_notify, then FIN); we keep reading
                }
            }

            Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        }
        catch (UsocketException e)
        {
            Fail(_shutWr ? "shutdown" : "send", e);
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
                return false; // stdout closed (a pipe reader that quit)
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
