// The same echo server with async/await: one task per client, each reading and writing as if it were blocking.
// docs/readiness-and-async.md walks through it; tests/Usock.Tests/ExampleServerTests.cs runs it.
namespace Usock.Examples;

/// <summary>A task per client, with the socket's timeout guarding every call.</summary>
public static class AsyncEchoServer
{
    /// <summary>Echoes every client on <paramref name="listener"/> (bound and listening) until <paramref name="stop"/> is cancelled.</summary>
    /// <param name="listener">A listening socket.</param>
    /// <param name="idleTimeout">Seconds a client may stay silent before the server drops it.</param>
    /// <param name="stop">Ends the accept loop and every client.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    public static async Task RunAsync(USocket listener, double idleTimeout, CancellationToken stop)
    {
        var clients = new List<Task>();
        try
        {
            while (true)
            {
                (USocket conn, _, _) = await listener.AcceptAsync(stop).ConfigureAwait(false);
                clients.Add(ServeAsync(conn, idleTimeout, stop));
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        await Task.WhenAll(clients).ConfigureAwait(false);
    }

    private static async Task ServeAsync(USocket conn, double idleTimeout, CancellationToken stop)
    {
        await using (conn.ConfigureAwait(false))
        {
            conn.SetTimeout(idleTimeout);
            try
            {
                while (true)
                {
                    byte[] data = await conn.RecvAsync(4096, stop).ConfigureAwait(false); // whatever arrived, at least a byte
                    if (data.Length == 0)
                    {
                        return; // the client closed (POSIX profile)
                    }

                    await conn.SendAllAsync(data, stop).ConfigureAwait(false);
                }
            }
            catch (UsocketException)
            {
                // idle timeout (110), reset (104), or the device profile's end of stream (107): drop the client
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
        }
    }
}
