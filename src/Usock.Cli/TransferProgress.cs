using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Usock.Cli;

/// <summary>
/// The progress bar of <c>usock send</c> and <c>usock recv</c> (Spectre.Console, on stderr): bytes, rate and, when
/// the size is known, percentage and time left. Drawn only when stderr is a terminal that carries nothing else
/// (no <c>--json</c>, no <c>--hex</c>); otherwise the work just runs.
/// </summary>
internal static class TransferProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports bytes moved through the callback it is given.</summary>
    /// <param name="report">Decides whether a bar is drawn, and in colour or not.</param>
    /// <param name="description">The bar's label.</param>
    /// <param name="total">The bytes to move, when known.</param>
    /// <param name="work">The transfer.</param>
    public static T Run<T>(Reporter report, string description, long? total, Func<Action<long>, T> work)
    {
        if (!report.ShowsProgress)
        {
            return work(static _ => { });
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Yes,
            ColorSystem = report.Terminal.Color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        // One unit family everywhere, the summary's: decimal MB and MB/s (Spectre's default is binary).
        var downloaded = new DownloadedColumn { Base = FileSizeBase.Decimal, Culture = CultureInfo.InvariantCulture };
        var speed = new TransferSpeedColumn { Base = FileSizeBase.Decimal, Culture = CultureInfo.InvariantCulture };
        ProgressColumn[] columns = total is not null
            ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), downloaded, speed, new RemainingTimeColumn()]
            : [new TaskDescriptionColumn(), new SpinnerColumn(), new BytesColumn(), speed];
        return console.Progress().AutoClear(false).Columns(columns).Start(ctx =>
        {
            ProgressTask task = ctx.AddTask(Markup.Escape(description), maxValue: total is long t ? Math.Max(t, 1) : double.MaxValue);
            T result = work(n => task.Increment(n));
            task.MaxValue = Math.Max(task.Value, 1);
            task.Value = task.MaxValue;
            task.StopTask();
            return result;
        });
    }

    /// <summary>Bytes so far, for a transfer whose size is not known in advance, in decimal units (as the rate).</summary>
    private sealed class BytesColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double v = task.Value;
            string text = v switch
            {
                >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{v / 1e9:0.0} GB"),
                >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{v / 1e6:0.0} MB"),
                >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{v / 1e3:0.0} KB"),
                _ => string.Create(CultureInfo.InvariantCulture, $"{v:0} B"),
            };
            return new Text(text);
        }
    }
}
