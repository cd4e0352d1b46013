using System.CommandLine;
using Usock.Python;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock run [--resolve NAME:PORT=ADDR:PORT]... [--python PATH] [--serve-example] (SCRIPT | DIR | -c CODE) [ARG...]</c>:
/// runs a QuecPython program on the PC, its <c>usocket</c> backed by Usock. Everything after the script (or after
/// <c>-c CODE</c>) belongs to the script, so this command reads its own arguments instead of System.CommandLine.
/// </summary>
internal static class RunCommand
{
    private const string Usage = "usage: usock run [--resolve NAME:PORT=ADDR:PORT]... [--python PATH] [--serve-example] (SCRIPT | DIR | -c CODE) [ARG...]";

    /// <summary>The command as help lists it; <see cref="Run"/> does the parsing.</summary>
    public static Command Create()
    {
        var command = new Command("run", "Run a QuecPython script (or a device project folder's main.py, or -c CODE, or a prompt) on the PC, its usocket backed by Usock.")
        {
            new Option<string[]>("--resolve") { Description = "NAME:PORT=ADDR:PORT: the script's getaddrinfo/connect of NAME:PORT go to ADDR:PORT (as curl's --resolve)" },
            new Option<string>("--python") { Description = "The python3 to embed (default: USOCK_PYTHON, else python3 on PATH; 3.11 or newer with its shared library)" },
            new Option<bool>("--serve-example") { Description = "Start the local stand-in for www.tongxinmao.com:80 (as usock example) and resolve that name to it" },
            new Option<string>("-c") { Description = "Run CODE instead of a script" },
            new Argument<string[]>("script-and-args") { Description = "SCRIPT or DIR (runs DIR/main.py) and the script's own arguments", Arity = ArgumentArity.ZeroOrMore },
        };
        command.WithExamples("""
            usock run examples/quecpython/example.py --serve-example
            usock run --resolve www.tongxinmao.com:80=127.0.0.1:8080 app.py
            usock run my_project/
            usock run -c "import usocket; print(usocket.getaddrinfo('localhost', 80))"
            """);
        command.SetAction(result => Run([.. result.Tokens.Select(t => t.Value).SkipWhile(v => v != "run").Skip(1)]));
        return command;
    }

    /// <summary>Parses <paramref name="args"/> (what follows <c>run</c>) and runs the script.</summary>
    /// <returns>The script's exit code, or one of <see cref="ScriptExitCodes"/>.</returns>
    public static int Run(string[] args)
    {
        var resolve = new List<string>();
        string? python = null, code = null, script = null;
        bool serve = false;
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help" or "-?")
            {
                Console.Out.WriteLine(Usage);
                Console.Out.WriteLine("See docs/scripts.md. Exit codes: the script's own; 1 uncaught exception; 2 usage; 125 no Python 3.11+ to embed; 130 Ctrl-C.");
                return ExitCodes.Ok;
            }

            if (a == "--serve-example")
            {
                serve = true;
            }
            else if (a is "--resolve" or "--python" or "-c")
            {
                if (i + 1 >= args.Length)
                {
                    return UsageError($"{a} needs a value");
                }

                string value = args[++i];
                if (a == "--resolve")
                {
                    resolve.Add(value);
                }
                else if (a == "--python")
                {
                    python = value;
                }
                else
                {
                    code = value;
                    i++;
                    break;
                }
            }
            else if (a.StartsWith("--resolve=", StringComparison.Ordinal))
            {
                resolve.Add(a["--resolve=".Length..]);
            }
            else if (a.StartsWith("--python=", StringComparison.Ordinal))
            {
                python = a["--python=".Length..];
            }
            else if (a == "--")
            {
                i++;
                if (i < args.Length)
                {
                    script = args[i++];
                }

                break;
            }
            else if (a.StartsWith('-') && a != "-")
            {
                return UsageError($"unknown option '{a}'");
            }
            else
            {
                script = a;
                i++;
                break;
            }
        }

        using LocalHttpServer? server = serve ? LocalHttpServer.Start() : null;
        if (server is not null)
        {
            Console.Error.WriteLine($"usock: serving {ExampleCommand.DocumentedHost}/News from http://127.0.0.1:{server.Port} (a local stand-in)");
            resolve.Add($"{ExampleCommand.DocumentedHost}:80=127.0.0.1:{server.Port}");
        }

        Console.Out.Flush();
        int rc = ScriptHost.Run(
            new ScriptRunOptions { Script = script, Code = code, Arguments = args[i..], Python = python, Resolve = resolve },
            Console.Error);
        ScriptHost.ExitNow(rc); // the interpreter is not finalized: that would take most of a second
        return rc;
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"usock: {message}");
        Console.Error.WriteLine(Usage);
        return ExitCodes.Usage;
    }
}
