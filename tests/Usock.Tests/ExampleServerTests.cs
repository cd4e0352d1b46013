using System.Security.Cryptography;
using Usock.Examples;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The echo servers of docs/readiness-and-async.md (examples/), run against many clients at once.</summary>
public class ExampleServerTests
{
    [Theory]
    [InlineData("poll")]
    [InlineData("async")]
    public async Task EchoServer_ManyClients_EveryByteBack(string kind)
    {
        using USocket listener = Loopback.Listener(backlog: 256);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task server = kind == "poll"
            ? Task.Factory.StartNew(() => PollEchoServer.Run(listener, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : AsyncEchoServer.RunAsync(listener, idleTimeout: 30, stop.Token);

        // Blocking clients on threads of their own: a blocked pool would starve the async server.
        Task<bool>[] clients = Enumerable.Range(0, 100).Select(n => Task.Factory.StartNew(() =>
        {
            using var c = new USocket();
            c.SetTimeout(30);
            c.Connect(listener.GetSockName());
            byte[] data = RandomNumberGenerator.GetBytes(64 * 1024 + n);
            byte[]? back = null;
            var reader = new Thread(() => back = c.Read(data.Length));
            reader.Start();
            c.SendAll(data);
            return reader.Join(TimeSpan.FromSeconds(30)) && back is not null && back.AsSpan().SequenceEqual(data);
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        bool[] ok = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.All(ok, Assert.True);
        stop.Cancel();
        await server.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
