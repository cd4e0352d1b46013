using System.Globalization;
using System.Text.Json;

namespace Usock.Cli;

/// <summary>
/// Everything a command says on stderr: human messages (prefixed <c>usock:</c>, coloured on a terminal),
/// or with <c>--json</c> one JSON event per line instead; and with <c>--hex</c> a dump of the traffic.
/// Safe to call from several threads: each message or dump is written whole.
/// </summary>
internal sealed class Reporter
{
    private readonly TextWriter _err;
    private readonly Lock _gate = new();

    /// <summary>Creates a reporter writing to <paramref name="err"/>.</summary>
    /// <param name="err">stderr.</param>
    /// <param name="terminal">What stderr is attached to.</param>
    /// <param name="json">JSON events instead of messages.</param>
    /// <param name="hex">Dump the traffic.</param>
    /// <param name="verbosity">-1 with <c>-q</c> (errors only), 0, or 1 with <c>-v</c> (also the details).</param>
    public Reporter(TextWriter err, Terminal terminal, bool json, bool hex, int verbosity = 0)
    {
        _err = err;
        Terminal = terminal;
        Json = json;
        Hex = hex;
        Verbosity = verbosity;
    }

    /// <summary>-1 with <c>-q</c> (only errors are said), 0 by default, 1 with <c>-v</c> (details too).</summary>
    public int Verbosity { get; }

    /// <summary>The terminal stderr is (or is not) attached to.</summary>
    public Terminal Terminal { get; }

    /// <summary>True with <c>--json</c>.</summary>
    public bool Json { get; }

    /// <summary>True with <c>--hex</c>.</summary>
    public bool Hex { get; }

    /// <summary>True when a progress bar may be drawn: stderr is a terminal and carries nothing else.</summary>
    public bool ShowsProgress => Terminal.StdErrIsTerminal && !Json && !Hex;

    /// <summary>A human message (nothing in JSON mode, nor with <c>-q</c>).</summary>
    public void Note(string message, Paint? paint = null)
    {
        if (!Json && Verbosity >= 0)
        {
            Write(paint is Paint p ? Terminal.Apply("usock: " + message, p) : "usock: " + message);
        }
    }

    /// <summary>A detail said only with <c>-v</c>: a half-close, the peer's end of stream.</summary>
    public void Verbose(string message)
    {
        if (Verbosity > 0)
        {
            Note(message, Paint.Dim);
        }
    }

    /// <summary>A message that is an error: said even with <c>-q</c> (nothing in JSON mode).</summary>
    public void Error(string message)
    {
        if (!Json)
        {
            Write(Terminal.Apply("usock: " + message, Paint.Red));
        }
    }

    /// <summary>A server socket is ready: <c>listening on ('127.0.0.1', 5555)</c> (the real port when 0 was asked).</summary>
    public void Listening((string Host, int Port) address, string proto)
    {
        Emit("listening", $"listening on {PyRepr.Address(address)}{(proto == "udp" ? " (udp)" : "")}", Paint.Green, w =>
        {
            JsonEvents.WriteAddress(w, address);
            w.WriteString("proto", proto);
        });
    }

    /// <summary>A client socket connected.</summary>
    public void Connected((string Host, int Port) peer, (string Host, int Port) local, string proto)
    {
        Emit("connected", $"connected to {PyRepr.Address(peer)} from {PyRepr.Address(local)}{(proto == "udp" ? " (udp)" : "")}", Paint.Green, w =>
        {
            JsonEvents.WriteAddress(w, peer);
            JsonEvents.WriteAddress(w, local, "local_");
            w.WriteString("proto", proto);
        });
    }

    /// <summary>A server accepted a client: <c>accepted ('127.0.0.1', 51234)</c>, the tuple of the module's accept().</summary>
    public void Accepted((string Host, int Port) peer)
    {
        Emit("accepted", $"accepted {PyRepr.Address(peer)}", Paint.Green, w => JsonEvents.WriteAddress(w, peer));
    }

    /// <summary>Data moved: a hex dump with <c>--hex</c>, a <c>sent</c>/<c>received</c> event with <c>--json</c>, else nothing.</summary>
    /// <param name="sent">Direction: true for sent.</param>
    /// <param name="peer">The other end.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="from">Bytes that moved in this direction before these.</param>
    public void Traffic(bool sent, (string Host, int Port) peer, ReadOnlySpan<byte> data, long from)
    {
        if (Json)
        {
            string? hex = Hex ? Convert.ToHexStringLower(data) : null;
            int length = data.Length;
            Write(JsonEvents.Line(sent ? "sent" : "received", w =>
            {
                JsonEvents.WriteAddress(w, peer);
                w.WriteNumber("bytes", length);
                w.WriteNumber("total", from + length);
                if (hex is not null)
                {
                    w.WriteString("hex", hex);
                }
            }));
        }
        else if (Hex && !data.IsEmpty)
        {
            string header = HexDump.Header(sent, DateTime.Now, data.Length, from);
            Write(Terminal.Apply(header, sent ? Paint.Yellow : Paint.Cyan) + "\n" + HexDump.Lines(data), newline: false);
        }
    }

    /// <summary>A TCP state seen by <c>usock state</c> (JSON only: the command prints the state on stdout).</summary>
    public void State(int state)
    {
        if (Json)
        {
            Write(JsonEvents.Line("state", w =>
            {
                w.WriteNumber("state", state);
                w.WriteString("name", TcpStateNames.Name(state));
            }));
        }
    }

    /// <summary>A connection ended.</summary>
    /// <param name="peer">The other end.</param>
    /// <param name="by">Why: <c>peer</c> (the peer closed), <c>local</c>, <c>timeout</c>, <c>interrupt</c> or <c>error</c>.</param>
    /// <param name="sent">Bytes sent on it.</param>
    /// <param name="received">Bytes received on it.</param>
    public void Closed((string Host, int Port) peer, string by, long sent, long received)
    {
        string how = by switch
        {
            "peer" => "closed by the peer",
            "local" => "closed (stdout was closed)",
            "timeout" => "closed (the peer was silent)",
            "interrupt" => "closed (interrupted)",
            _ => "closed (" + by + ")",
        };
        Emit("closed", string.Create(CultureInfo.InvariantCulture, $"connection {PyRepr.Address(peer)} {how}: {Bytes(sent)} sent, {Bytes(received)} received"), null, w =>
        {
            JsonEvents.WriteAddress(w, peer);
            w.WriteString("by", by);
            w.WriteNumber("sent", sent);
            w.WriteNumber("received", received);
        });
    }

    /// <summary>A socket call failed: <c>connect failed: [Errno 104] ECONNRESET</c>.</summary>
    /// <param name="op">The module's name of the call: connect, send, recv, bind...</param>
    /// <param name="e">The error.</param>
    public void Failed(string op, UsocketException e)
    {
        Emit("error", $"{op} failed: {e.Message}", Paint.Red, w =>
        {
            w.WriteString("op", op);
            w.WriteNumber("errno", e.Errno);
            w.WriteString("name", e.ErrnoName);
            w.WriteString("message", e.Message);
        });
    }

    /// <summary>
    /// How a command ends on a socket error: exit 130 when Ctrl-C closed the socket under the call (the error is just
    /// the wake-up), else the error reported and exit 1.
    /// </summary>
    /// <param name="op">The call that failed.</param>
    /// <param name="e">Its error.</param>
    /// <returns>The exit code.</returns>
    public int SocketFailure(string op, UsocketException e)
    {
        if (Interrupt.Requested)
        {
            return ExitCodes.Interrupted;
        }

        Failed(op, e);
        return ExitCodes.SocketError;
    }

    /// <summary>A local failure that is not a socket's (a file that cannot be read, say).</summary>
    public void Failed(string op, string message)
    {
        Emit("error", $"{op} failed: {message}", Paint.Red, w =>
        {
            w.WriteString("op", op);
            w.WriteString("message", message);
        });
    }

    /// <summary>The end of a command: <c>N bytes sent, M bytes received in T s</c>, with the rate and a digest for transfers.</summary>
    public void Summary(long sent, long received, TimeSpan elapsed, string? sha256 = null, bool rate = false)
    {
        double seconds = elapsed.TotalSeconds;
        string text = string.Create(CultureInfo.InvariantCulture, $"{Bytes(sent)} sent, {Bytes(received)} received in {seconds:0.000} s");
        if (rate && seconds > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" ({Math.Max(sent, received) / seconds / 1e6:0.0} MB/s)");
        }

        Emit("summary", text, null, w =>
        {
            w.WriteNumber("sent", sent);
            w.WriteNumber("received", received);
            w.WriteNumber("seconds", Math.Round(seconds, 6));
            if (sha256 is not null)
            {
                w.WriteString("sha256", sha256);
            }
        });
    }

    /// <summary>A count of bytes in words: <c>1 byte</c>, <c>0 bytes</c>, <c>12 bytes</c>.</summary>
    public static string Bytes(long count) => count == 1 ? "1 byte" : count.ToString(CultureInfo.InvariantCulture) + " bytes";

    /// <summary>An event with no human message (JSON only).</summary>
    public void Event(string name, Action<Utf8JsonWriter>? fields)
    {
        if (Json)
        {
            Write(JsonEvents.Line(name, fields));
        }
    }

    private void Emit(string name, string human, Paint? paint, Action<Utf8JsonWriter> fields)
    {
        if (Json)
        {
            Write(JsonEvents.Line(name, fields));
        }
        else if (name == "error")
        {
            Error(human);
        }
        else
        {
            Note(human, paint);
        }
    }

    private void Write(string text, bool newline = true)
    {
        lock (_gate)
        {
            try
            {
                if (newline)
                {
                    _err.WriteLine(text);
                }
                else
                {
                    _err.Write(text);
                }

                _err.Flush();
            }
            catch (IOException)
            {
                // stderr went away (a closed pipe): nothing left to tell
            }
        }
    }
}
