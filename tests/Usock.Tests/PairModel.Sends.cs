namespace Usock.Tests;

// The model's sends: data, and sends of nothing.
internal sealed partial class PairModel
{
    // ------------------------------------------------------------------ sends

    private void SendData(int index, Op op, End me, End peer)
    {
        int m = Math.Clamp(op.Size, 1, 4096);
        byte[] data = Payload(index, m);
        if (me.Closed)
        {
            Raises(Errno.EBADF, () => SendOnce(op.Kind, me, data));
            return;
        }

        if (me.ShutWr)
        {
            Raises(Errno.EPIPE, () => SendOnce(op.Kind, me, data));
            return;
        }

        if (peer.Closed)
        {
            // Data to a closed socket resets the connection: the call returns or raises 32 / 104, and the model stops.
            try
            {
                SendOnce(op.Kind, me, data);
            }
            catch (UsocketException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
            }

            _ended = true;
            return;
        }

        if (peer.InFlight.Count + m > MaxInFlight || peer.Segments >= MaxSegments)
        {
            return; // would fill the buffers: not modelled
        }

        int sent = SendOnce(op.Kind, me, data);
        if (op.Kind == OpKind.Send)
        {
            Assert.InRange(sent, 1, m);
        }
        else
        {
            Assert.Equal(m, sent);
        }

        peer.Deliver(data.AsSpan(0, sent));
        WaitReceived(peer);
    }

    private static int SendOnce(OpKind kind, End me, byte[] data)
    {
        switch (kind)
        {
            case OpKind.Send:
                return me.Sock.Send(data);
            case OpKind.SendAll:
                me.Sock.SendAll(data);
                return data.Length;
            case OpKind.Write:
                int? written = me.Sock.Write(data);
                Assert.NotNull(written);
                return written.Value;
            default:
                me.WriteFile.Write(data);
                return data.Length;
        }
    }

    private void SendNothing(OpKind kind, End me)
    {
        Action call = kind switch
        {
            OpKind.SendEmpty => () => Assert.Equal(0, me.Sock.Send(ReadOnlySpan<byte>.Empty)),
            OpKind.SendAllEmpty => () => me.Sock.SendAll(ReadOnlySpan<byte>.Empty),
            _ => () => Assert.Equal(0, me.Sock.Write(ReadOnlySpan<byte>.Empty)),
        };
        if (me.Closed)
        {
            Raises(Errno.EBADF, call);
        }
        else if (kind != OpKind.WriteEmpty && _profile == UsocketProfile.QuecPython)
        {
            // The firmware's send loop gives up on empty data: 11 when non-blocking, else 110. No state changes.
            Raises(me.Mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT, call);
        }
        else
        {
            call();
        }
    }
}
