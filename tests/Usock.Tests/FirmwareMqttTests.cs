using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The firmware's <c>umqtt</c> in <c>usock run</c> (tests/python/fw_mqtt.py) against a real mosquitto, reached as
/// broker.example.com through <c>--resolve</c>: plain, and over TLS with a client certificate the broker requires.
/// Each check reads what the broker logged (connect, subscribe, publishes with their QoS and retain flags, PUBACKs,
/// pings, disconnect) and what a <c>mosquitto_sub</c> observer received.
/// </summary>
public sealed class FirmwareMqttTests
{
    [Fact]
    public void Publish_subscribe_callback_qos1_retain_and_keepalive_ping_reach_mosquitto()
    {
        PythonScripts.SkipUnlessPython();
        using Mosquitto broker = Mosquitto.Start();
        using LinePeer observer = broker.Subscribe("usock/up", 2);
        string p = CliTest.Arg(broker.Port);
        CliProcess.Result r = PythonScripts.Run("--resolve", $"broker.example.com:1883=127.0.0.1:{p}", PythonScripts.Script("fw_mqtt.py"), "plain");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        AssertTheExchange(broker, observer, r, "usock-plain");
        broker.WaitFor("New client connected from 127.0.0.1", "the connect");
        Assert.Contains(broker.Log, l => l.Contains("as usock-plain (p2, c1, k6, u'dev')", StringComparison.Ordinal));
    }

    [Fact]
    public void Over_tls_with_a_client_certificate_the_broker_requires()
    {
        PythonScripts.SkipUnlessPython();
        TestPki pki = TestPki.Shared;
        using Mosquitto broker = Mosquitto.Start(tls: true);
        using LinePeer observer = broker.Subscribe("usock/up", 2);
        string p = CliTest.Arg(broker.TlsPort);
        CliProcess.Result r = PythonScripts.Run(
            "--resolve", $"broker.example.com:8883=127.0.0.1:{p}", PythonScripts.Script("fw_mqtt.py"), "tls",
            pki.File("ca.pem", pki.Ca.CertPem), pki.File("client.pem", pki.Client.CertPem), pki.File("client.key", pki.Client.KeyPem));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        AssertTheExchange(broker, observer, r, "usock-tls");
        Assert.Contains(broker.Log, l => l.Contains($"on port {p}", StringComparison.Ordinal) && l.Contains("New connection from 127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public void After_the_broker_restarts_the_client_reconnects_subscribes_again_and_receives()
    {
        PythonScripts.SkipUnlessPython();
        using Mosquitto broker = Mosquitto.Start();
        string p = CliTest.Arg(broker.Port);
        using CliProcess.Running run = CliProcess.Start("run", "--resolve", $"broker.example.com:1883=127.0.0.1:{p}", PythonScripts.Script("fw_mqtt_reconnect.py"));
        run.WaitForStdOut("ready");
        broker.WaitFor("Received SUBSCRIBE from usock-re", "the first subscription");
        broker.Restart(); // the client's connection ends; the new broker knows nothing of it
        broker.WaitFor("Received SUBSCRIBE from usock-re", "the subscription made again after the reconnect");
        broker.WaitFor("Sending SUBACK to usock-re", "the SUBACK");
        broker.Publish("usock/re", "after the restart");
        CliProcess.Result r = run.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("callback [(b'usock/re', b'after the restart')]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("events ['reconnect_start', 'reconnect_success']", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("state 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Reconnection successful!", r.StdOut, StringComparison.Ordinal); // the firmware's log line
        broker.WaitFor("Received DISCONNECT from usock-re", "the disconnect");
    }

    private static void AssertTheExchange(Mosquitto broker, LinePeer observer, CliProcess.Result r, string id)
    {
        Assert.Contains("connect 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("check_msg None", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("callback [(b'usock/down', b'to myself qos1')]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("state 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("ping answered True", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("errors []", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("keepalive thread ended True", r.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING:MQTT", r.StdOut, StringComparison.Ordinal); // no lost ping, no reconnect, no missed PUBACK

        observer.WaitForExit();
        Assert.Equal(["usock/up retained hello", "usock/up qos1 \0 bytes"], observer.Lines.Where(l => l.StartsWith("usock/up ", StringComparison.Ordinal)));
        broker.WaitFor($"Received DISCONNECT from {id}", "the disconnect");
        string[] log = [.. broker.Log];
        Assert.Contains(log, l => l.Contains($"Received SUBSCRIBE from {id}", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("usock/down (QoS 1)", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"Received PUBLISH from {id} (d0, q1, r0, m1, 'usock/down', ... (14 bytes))", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"Received PUBLISH from {id} (d0, q0, r1, m0, 'usock/up', ... (14 bytes))", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"Received PUBLISH from {id} (d0, q1, r0, m3, 'usock/up', ... (12 bytes))", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"Received PUBACK from {id} (Mid: 1, RC:0)", StringComparison.Ordinal)); // the client acked the message it got
        Assert.Contains(log, l => l.Contains($"Received PINGREQ from {id}", StringComparison.Ordinal));
    }
}
