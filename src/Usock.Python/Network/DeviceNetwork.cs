using System.Diagnostics;
using System.Globalization;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>
/// The device's network during <c>usock run --network</c>: one clock from the start of the run, the radio's state
/// (modem function, registration, data call, signal) driven by the scenario's events and by the program's
/// <c>net.setModemFun</c>, the faults in force, and the timeline. The program's TCP connections pass through
/// <see cref="RelayedConnection"/>s, which ask it what the network does to each chunk.
/// </summary>
internal sealed partial class DeviceNetwork
{
    private static DeviceNetwork? s_current;

    private readonly object _gate = new();
    private long _start;
    private int _begun;
    private long _scenarioStart = -1; // ticks of Now when the scenario's clock started, -1 before
    private readonly NetworkScenario _scenario;
    private readonly List<(TimeSpan At, int Order, Action Act)> _schedule = [];
    private readonly List<(long Seq, int State)> _changes = [];
    private int _fun = 1;
    private bool _coverage = true;
    private bool _dataCall = true;
    private bool _outage;
    private bool _attaching;
    private TimeSpan _attachDue = TimeSpan.MaxValue;
    private int _csq = 28;
    private bool _attached = true;
    private long _epoch;
    private long _changeSeq;
    private int _nextItem;

    private DeviceNetwork(NetworkScenario scenario, long seed, NetworkTimeline timeline, int attachMs)
    {
        _scenario = scenario;
        Seed = seed;
        Timeline = timeline;
        AttachMs = attachMs;
        int order = 0;
        foreach (RadioEvent e in scenario.Events)
        {
            _schedule.Add((e.At, order++, () => Apply(e)));
        }

        foreach (Fault f in scenario.Faults.Where(f => f.Start is not null || f.Length is not null))
        {
            TimeSpan from = f.Start ?? TimeSpan.Zero;
            _schedule.Add((from, order++, () => Timeline.Write(Now, "scenario", "fault_start", detail: FaultText.Format(f))));
            if (f.Length is { } length)
            {
                _schedule.Add((from + length, order++, () => Timeline.Write(Now, "scenario", "fault_end", detail: FaultText.Format(f))));
            }
        }

        foreach ((TimeSpan from, TimeSpan? length) in scenario.Stalls)
        {
            _schedule.Add((from, order++, () => Timeline.Write(Now, "scenario", "stall_start")));
            if (length is { } l)
            {
                _schedule.Add((from + l, order++, () => Timeline.Write(Now, "scenario", "stall_end")));
            }
        }

        _schedule.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Order.CompareTo(b.Order));
    }

    /// <summary>The network of this run, or null without <c>--network</c>.</summary>
    public static DeviceNetwork? Current => Volatile.Read(ref s_current);

    /// <summary>The run's seed: every draw (jitter, loss) depends only on it, the connection and the chunk.</summary>
    public long Seed { get; }

    /// <summary>The timeline of this run.</summary>
    public NetworkTimeline Timeline { get; }

    /// <summary>How long the radio takes to attach after the modem function is set to 1, in milliseconds.</summary>
    public int AttachMs { get; }

    /// <summary>Time since the program started (<see cref="Begin"/>), zero before: the timeline's clock.</summary>
    public TimeSpan Now => Volatile.Read(ref _start) is var s && s == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(s);

    /// <summary>Bumped each time the data call goes down: a connection made before is gone (a new IP address).</summary>
    public long Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>True while registered with the data call up.</summary>
    public bool Attached
    {
        get
        {
            lock (_gate)
            {
                return _attached;
            }
        }
    }

    /// <summary>The modem function (1 full, 0 off, 4 airplane).</summary>
    public int Fun
    {
        get
        {
            lock (_gate)
            {
                return _fun;
            }
        }
    }

    /// <summary>The registration state <c>net.getState()[1][0]</c> reports: 1 registered, 2 searching, 0 not searching.</summary>
    public int Registration
    {
        get
        {
            lock (_gate)
            {
                return _fun != 1 ? 0 : !_coverage || _attaching ? 2 : 1;
            }
        }
    }

    /// <summary>The CSQ <c>net.csqQueryPoll()</c> reports: 99 (unknown) while off or out of coverage.</summary>
    public int Csq
    {
        get
        {
            lock (_gate)
            {
                return _fun != 1 || !_coverage || _attaching ? 99 : _csq;
            }
        }
    }

    /// <summary>What a program's send meets after a NAT idle drop: a reset (true) or silence.</summary>
    public bool NatAnswersReset => _scenario.NatAnswersReset;

    /// <summary>Makes the network of this run; its clock starts with <see cref="Begin"/>.</summary>
    public static DeviceNetwork Start(NetworkScenario scenario, long seed, TextWriter? timeline, int attachMs)
    {
        var net = new DeviceNetwork(scenario, seed, new NetworkTimeline(timeline), attachMs);
        Volatile.Write(ref s_current, net);
        return net;
    }

    /// <summary>The program starts: the clock and the scenario start now, or with the program event the scenario's
    /// <c>start on</c> names (<see cref="Mark"/>), so that no scenario time races the program's start.</summary>
    public void Begin()
    {
        Volatile.Write(ref _start, Stopwatch.GetTimestamp());
        Volatile.Write(ref _begun, 1);
        new Thread(RunSchedule) { IsBackground = true, Name = "usock network" }.Start(); // attach times run from here
        if (_scenario.StartOn is null)
        {
            StartClock("program");
        }
    }

    /// <summary>Time on the scenario's clock (its <c>at</c> times): negative before it starts (<c>start on</c>).</summary>
    public TimeSpan ScenarioNow => Interlocked.Read(ref _scenarioStart) is var s && s < 0 ? TimeSpan.MinValue : Now - TimeSpan.FromTicks(s);

    /// <summary>The program did <paramref name="what"/> (<c>setCallback</c>, <c>connect</c>): the clock starts here if the
    /// scenario says <c>start on</c> it and it has not started yet.</summary>
    public void Mark(string what)
    {
        if (what == _scenario.StartOn && Volatile.Read(ref _begun) == 1)
        {
            StartClock(what);
        }
    }

    private void StartClock(string on)
    {
        lock (_gate)
        {
            TimeSpan now = Now;
            if (Interlocked.CompareExchange(ref _scenarioStart, now.Ticks, -1) != -1)
            {
                return;
            }

            string when = on == "program" ? "" : ", on " + on;
            Timeline.Write(now, "scenario", "start", detail: string.Create(CultureInfo.InvariantCulture, $"seed {Seed}{when}"));
            foreach (Fault f in _scenario.Faults.Where(f => f.Start is null && f.Length is null))
            {
                string answer = f.Kind == FaultKind.NatIdle ? (NatAnswersReset ? " answer=reset" : " answer=silence") : "";
                Timeline.Write(now, "scenario", "condition", detail: FaultText.Format(f) + answer);
            }

            Monitor.PulseAll(_gate); // the schedule's times count from now
        }
    }

    /// <summary>Sets the modem function, as <c>net.setModemFun</c>: off takes the data call down at once, on attaches
    /// again after <paramref name="attachMs"/>.</summary>
    public void SetModemFun(int fun, int attachMs, string source)
    {
        lock (_gate)
        {
            Timeline.Write(Now, source, "cfun", value: fun);
            _fun = fun;
            _dataCall |= fun != 1; // a radio restart makes a new data call: a stuck one ends (an outage does not)
            _attaching = fun == 1;
            _attachDue = fun == 1 ? Now + TimeSpan.FromMilliseconds(attachMs) : TimeSpan.MaxValue;
            Recompute();
        }
    }

    /// <summary>Waits for a data-call change after <paramref name="after"/>: its sequence number and state (1 up, 0 down),
    /// or null when <paramref name="timeoutMs"/> passes first.</summary>
    public (long Seq, int State)? WaitChange(long after, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        lock (_gate)
        {
            while (true)
            {
                foreach ((long seq, int state) in _changes)
                {
                    if (seq > after)
                    {
                        return (seq, state);
                    }
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return null;
                }

                Monitor.Wait(_gate, (int)left);
            }
        }
    }

    /// <summary>Blocks until the data call is up, or <paramref name="deadline"/> (on <see cref="Now"/>'s clock) passes;
    /// Ctrl-C on the main thread ends the wait.</summary>
    /// <returns>Whether the data call is up.</returns>
    public bool WaitAttached(TimeSpan deadline)
    {
        lock (_gate)
        {
            while (!_attached)
            {
                if (ScriptInterrupt.PendingHere)
                {
                    throw new ScriptInterruptedException();
                }

                TimeSpan left = deadline - Now;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(left.TotalMilliseconds + 1, 50)));
            }

            return true;
        }
    }

    /// <summary>The fault of <paramref name="kind"/> in force now (its window holds <see cref="Now"/>), or null.</summary>
    public Fault? Active(FaultKind kind, bool? up = null)
    {
        TimeSpan now = ScenarioNow;
        foreach (Fault f in _scenario.Faults)
        {
            bool standing = f.Start is null && f.Length is null; // from the program's start
            if (f.Kind == kind && (up is null || f.Covers(up.Value)) && (standing || (f.Start ?? TimeSpan.Zero) <= now)
                && (f.Length is null || now < (f.Start ?? TimeSpan.Zero) + f.Length))
            {
                return f;
            }
        }

        return null;
    }

    /// <summary>True while a stall holds every connection.</summary>
    public bool Stalled
    {
        get
        {
            TimeSpan now = ScenarioNow;
            return _scenario.Stalls.Any(s => s.Start <= now && (s.Length is null || now < s.Start + s.Length));
        }
    }

    /// <summary>True while lookups fail (-202): a DNS failure in force, or no data call.</summary>
    public bool DnsFailing => !Attached || Active(FaultKind.DnsFailure) is not null;

    /// <summary>A number in [0, 1) that depends only on the seed and its inputs (SplitMix64).</summary>
    public double Draw(long a, long b, long c)
    {
        static ulong Mix(ulong z)
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        ulong x = Mix((ulong)Seed ^ Mix((ulong)a + 0x9E3779B97F4A7C15UL) ^ Mix(((ulong)b * 31) + 7) ^ Mix(((ulong)c * 131) + 13));
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    private void RunSchedule()
    {
        lock (_gate)
        {
            while (true)
            {
                TimeSpan now = Now;
                if (_attaching && _attachDue <= now)
                {
                    _attaching = false;
                    _attachDue = TimeSpan.MaxValue;
                    Timeline.Write(now, "modem", "attached");
                    Recompute();
                    continue;
                }

                long begun = Interlocked.Read(ref _scenarioStart);
                TimeSpan? due = begun >= 0 && _nextItem < _schedule.Count ? _schedule[_nextItem].At + TimeSpan.FromTicks(begun) : null;
                if (due <= now)
                {
                    _schedule[_nextItem++].Act();
                    continue;
                }

                TimeSpan next = _attachDue;
                if (due < next)
                {
                    next = due.Value;
                }

                // Short waits: a change from setModemFun pulses too, so its attach time is picked up at once.
                Monitor.Wait(_gate, next == TimeSpan.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling((next - now).TotalMilliseconds))));
            }
        }
    }

    private void Apply(RadioEvent e)
    {
        if (e.Kind == RadioKind.ModemFun)
        {
            SetModemFun(e.Value, AttachMs, "scenario");
            return;
        }

        Timeline.Write(Now, "scenario", e.Name, value: e.Kind == RadioKind.Signal ? e.Value : null);
        switch (e.Kind)
        {
            case RadioKind.DataCall:
                _dataCall = e.Value == 1;
                break;
            case RadioKind.Outage:
                _outage = e.Value == 0;
                break;
            case RadioKind.Coverage:
                _coverage = e.Value == 1;
                break;
            default:
                _csq = e.Value;
                break;
        }

        Recompute();
    }

    // Under _gate: the data call is up when the radio is on and attached, in coverage, not stuck, and no outage.
    private void Recompute()
    {
        bool up = _fun == 1 && !_attaching && _coverage && _dataCall && !_outage;
        if (up != _attached)
        {
            _attached = up;
            if (!up)
            {
                _epoch++;
            }

            _changes.Add((++_changeSeq, up ? 1 : 0));
            Timeline.Write(Now, "modem", up ? "data_call_up" : "data_call_down");
        }

        Monitor.PulseAll(_gate);
    }
}
