using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The firmware's cloud clients <c>aLiYun</c> and <c>TenCentYun</c> in <c>usock run</c> (tests/python/fw_cloud.py),
/// their vendors' broker names pointed at a real mosquitto through <c>--resolve</c>. aLiYun's signed password is
/// checked by the broker itself (a password file holding the HMAC the test computes); TenCentYun's user carries a
/// random connection id and an expiry, so the test reads the user from the broker's log and checks the signature of
/// the password the client sent to a listener of its own.
/// </summary>
public sealed class FirmwareCloudTests
{
    [Fact]
    public void ALiYun_signs_in_with_the_firmwares_credentials_and_publishes_and_receives()
    {
        PythonScripts.SkipUnlessPython();
        const string product = "a1usockPK", device = "dev42", secret = "s3cr3tDeviceSecret";
        string clientId = "usock-dev";
        string password = Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"clientId{clientId}deviceName{device}productKey{product}")));
        using Mosquitto broker = Mosquitto.Start(users: new Dictionary<string, string> { [$"{device}&{product}"] = password, ["observer"] = "watch" });
        string topic = $"/{product}/{device}/user/get";
        using LinePeer observer = broker.Subscribe(topic, 1, "observer", "watch");
        string p = CliTest.Arg(broker.Port);
        CliProcess.Result r = PythonScripts.Run(
            "--resolve", $"{product}.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883=127.0.0.1:{p}", PythonScripts.Script("fw_cloud.py"), "aliyun", product, device, secret);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("setMqtt 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains($"callback [(b'{topic}', b'hello from aliyun')]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("state 0", r.StdOut, StringComparison.Ordinal);
        observer.WaitForExit();
        Assert.Contains($"{topic} hello from aliyun", observer.Lines);
        broker.WaitFor($"as {clientId}|securemode=3,signmethod=hmacsha256| (p2, c1, k60, u'{device}&{product}')", "the signed-in client");
    }

    [Fact]
    public void TenCentYun_signs_in_with_the_firmwares_credentials_and_publishes_and_receives()
    {
        PythonScripts.SkipUnlessPython();
        const string product = "USOCKPID01", device = "dev7";
        string psk = Convert.ToBase64String(Encoding.ASCII.GetBytes("tencent-device-psk"));
        using Mosquitto broker = Mosquitto.Start();
        string topic = $"{product}/{device}/data";
        using LinePeer observer = broker.Subscribe(topic, 1);
        string p = CliTest.Arg(broker.Port);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        CliProcess.Result r = PythonScripts.Run(
            "--resolve", $"{product}.iotcloud.tencentdevices.com:1883=127.0.0.1:{p}", PythonScripts.Script("fw_cloud.py"), "tencent", product, device, psk);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("setMqtt 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains($"callback [(b'{topic}', b'hello from tencent')]", r.StdOut, StringComparison.Ordinal);
        observer.WaitForExit();
        Assert.Contains($"{topic} hello from tencent", observer.Lines);
        string line = broker.WaitFor($"as {product}{device} (p2, c1, k60, u'", "the signed-in client");
        Match m = Regex.Match(line, $@"u'{product}{device};12010126;(\d{{5,10}});(\d+)'\)");
        Assert.True(m.Success, line);
        long expiry = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(expiry - before, 3600 - 2 * 86400, 3600 + 2 * 86400); // an hour from now on the device's local clock
    }

    [Fact]
    public void TenCentYun_password_is_the_hmac_of_the_user_under_the_decoded_psk()
    {
        PythonScripts.SkipUnlessPython();
        const string product = "USOCKPID02", device = "dev8";
        byte[] key = Encoding.ASCII.GetBytes("another-psk-0123");
        using var listener = new USocket();
        listener.Bind(("127.0.0.1", 0));
        listener.Listen(1);
        int port = listener.GetSockName().Port;
        listener.SetTimeout(CliProcess.Patience.TotalSeconds);
        byte[]? connect = null;
        Exception? failed = null;
        var peer = new Thread(() =>
        {
            try
            {
                (USocket conn, _, _) = listener.Accept();
                using (conn)
                {
                    conn.SetTimeout(CliProcess.Patience.TotalSeconds);
                    connect = ReadPacket(conn);
                    conn.SendAll([0x20, 0x02, 0x00, 0x05]); // CONNACK: not authorized, so setMqtt answers -1 and the script ends
                }
            }
            catch (Exception e)
            {
                failed = e;
            }
        })
        { IsBackground = true };
        peer.Start();
        CliProcess.Result r = PythonScripts.Run(
            "--resolve", $"{product}.iotcloud.tencentdevices.com:1883=127.0.0.1:{CliTest.Arg(port)}", "-c",
            $"from TenCentYun import TXyun\nprint('setMqtt', TXyun('{product}', '{device}', '{Convert.ToBase64String(key)}').setMqtt(reconn=False))");
        Assert.True(peer.Join(CliProcess.Patience), "the peer did not finish");
        Assert.True(failed is null, $"the peer failed: {failed}\n{r.StdOut}{r.StdErr}");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("setMqtt -1", r.StdOut, StringComparison.Ordinal);
        (string id, string user, string password) = ParseConnect(connect!);
        Assert.Equal(product + device, id);
        Assert.StartsWith($"{product}{device};12010126;", user, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user))) + ";hmacsha256", password);
    }

    private static byte[] ReadPacket(USocket conn)
    {
        byte[] first = conn.Read(1)!;
        Assert.Equal(0x10, first[0]); // CONNECT
        int length = 0, shift = 0;
        while (true)
        {
            byte b = conn.Read(1)![0];
            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return conn.Read(length)!;
    }

    private static (string Id, string User, string Password) ParseConnect(byte[] body)
    {
        int i = 0;
        string Next()
        {
            int n = (body[i] << 8) | body[i + 1];
            string s = Encoding.UTF8.GetString(body, i + 2, n);
            i += 2 + n;
            return s;
        }

        Assert.Equal("MQTT", Next());
        byte level = body[i], flags = body[i + 1];
        Assert.Equal(4, level);
        Assert.Equal(0xC2, flags); // user, password, clean session
        i += 4; // level, flags, keepalive
        return (Next(), Next(), Next());
    }
}
