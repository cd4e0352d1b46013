using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

public sealed partial class TlsTests
{
    [Fact]
    public void Blocking_BulkOnOneThread_ThenClose_ReturnsWhileThePeerSendsNothing()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (s)
        {
            c.SetBlocking(true);
            s.SetBlocking(true);
            byte[] data = Wire.Seq(64 * 1024);
            var buffer = new byte[64 * 1024];
            for (int i = 0; i < 16; i++)
            {
                Assert.Equal(data.Length, c.Write(data));
                Assert.Equal(data.Length, s.ReadInto(buffer));
                Assert.Equal(data, buffer);
            }

            // Close sends close_notify and reads away what is unread within its own deadlines: a blocking descriptor
            // must not make it wait for the peer (it hung in recvfrom before the fix, found by TlsBulkBenchmarks).
            var close = BlockedCall.Start("close", c.Close);
            close.Result();
            Assert.Empty(s.Recv(10)); // the peer saw close_notify: a clean end of stream
        }
    }
}
