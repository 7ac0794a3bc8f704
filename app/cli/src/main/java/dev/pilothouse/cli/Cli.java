package dev.pilothouse.cli;

import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.Invocation;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** {@code pilothouse}: the command line. Every command runs on the same engine and data dir as the console. */
@Command(name = "pilothouse", mixinStandardHelpOptions = true, versionProvider = Version.class,
        scope = ScopeType.INHERIT,
        description = "Run AI agents in sessions: create, talk to, pause, resume, remix and delete them.%n"
                + "Without a command (at most --data-dir and --context), opens the console.",
        subcommands = {ContextsCommand.class, EngineControlCommand.class, AgentsCommand.class, SessionsCommand.class, TemplatesCommand.class, SchedulesCommand.class, BatchCommand.class, RunCommand.class,
                ServeCommand.class, TokensCommand.class,
                StoreCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed", "2:bad input (the message says what is accepted)"})
public final class Cli {
    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Data dir (default: $PILOTHOUSE_HOME, else the platform's app data dir)")
    String dataDir;

    @Option(names = "--context", scope = ScopeType.INHERIT, paramLabel = "CONTEXT",
            description = "Context: local (default) or a kubeconfig context")
    String context;

    @Option(names = "--namespace", scope = ScopeType.INHERIT, paramLabel = "NS",
            description = "Kubernetes namespace: where new sessions go, and the only one listed "
                    + "(default: kubernetes.yaml's namespace, else the kubeconfig context's, else default; all are listed)")
    String namespace;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Output: table (default), json or yaml")
    Output.Format output = Output.Format.table;

    /** The engine this command runs on when an engine host runs it for another process; null in the CLI's own process. */
    EngineHost host;
    /** The client's working directory and stdin when the command runs for another process. */
    Invocation invocation;
    /** The CLI's own process: hand engine commands to the data dir's engine (starting one if need be). */
    boolean forward;

    /** The CLI process: commands that need the engine go to the one that owns the data dir. */
    public static int run(String[] args) {
        CommandLine cl = commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        ((Cli) cl.getCommand()).forward = true;
        return cl.execute(args);
    }

    /**
     * Runs a command in this process: on the engine this process hosts for the data dir, else on one
     * opened for the command alone, else (another process owns the data dir) on that one.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(out, err);
        return cl.execute(args);
    }

    /** Runs a command that another process handed to the engine {@code host} serves. */
    public static int serve(EngineHost host, Invocation inv) {
        CommandLine cl = SpareModel.take(inv.out(), inv.err());
        Cli root = (Cli) cl.getCommand();
        root.host = host;
        root.invocation = inv;
        return cl.execute(inv.args().toArray(String[]::new));
    }

    /** Whether {@code args} are an engine command that a client hands to the engine as typed ({@link Handoff}). */
    public static boolean handsOff(List<String> args) {
        return Handoff.applies(args);
    }

    /** Whether {@code args} are {@code engine status}, which an engine answers for a client of any build or environment. */
    public static boolean asksEngineStatus(List<String> args) {
        return Handoff.asksEngineStatus(args);
    }

    /** Where relative file names given to the command are: the working directory of the process that typed it. */
    java.nio.file.Path cwd() {
        return invocation != null ? invocation.cwd() : java.nio.file.Path.of("").toAbsolutePath();
    }

    java.io.InputStream stdin() {
        return invocation != null ? invocation.stdin() : System.in;
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // `send s @notes` sends "@notes": a file is read only when asked for (--message-file, --prompt-file, -f)
        cl.setExpandAtFiles(false);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof PilothouseException pe) {
                line.getErr().println("error: " + pe.getMessage());
                return pe.exitCode();
            }
            LoggerFactory.getLogger(Cli.class).error("command failed", ex);
            line.getErr().println("error: " + ex);
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            List<String> unknown = unknownOptions(c, a);
            if (!unknown.isEmpty()) {
                // a mistyped option is the mistake to name (with what it may have meant), not the required one it
                // then lacks, nor the words after it
                CommandLine.UnmatchedArgumentException u = new CommandLine.UnmatchedArgumentException(c, unknown);
                c.getErr().println("error: " + u.getMessage() + (u.getSuggestions().isEmpty() ? ""
                        : "; did you mean " + String.join(" or ", u.getSuggestions()) + "?"));
            }
            c.getErr().println("error: " + (unknown.isEmpty() && ex instanceof CommandLine.UnmatchedArgumentException u
                    ? extraWords(c, u.getUnmatched())
                    : unknown.isEmpty() && ex.getMessage().startsWith("Missing required subcommand") ? noCommand(c)
                    : ex.getMessage()));
            c.getErr().println("usage: " + c.getHelp().synopsis(0).trim());
            c.getErr().println("(`" + c.getCommandSpec().qualifiedName() + " --help` explains every option)");
            return 2;
        });
        return cl;
    }

    /** A command group given no command ({@code pilothouse sessions}): what it has. */
    static String noCommand(CommandLine c) {
        return "`" + c.getCommandSpec().qualifiedName() + "` needs a command: " + String.join(", ", c.getSubcommands().keySet())
                + (c.getParent() == null ? " (with no command, or only --data-dir and --context, it opens the console)" : "");
    }

    /** Words beyond what the command takes, said with what it does take (picocli says "at index 7"). */
    static String extraWords(CommandLine c, List<String> extra) {
        if (!c.getSubcommands().isEmpty()) {
            List<String> suggested = new CommandLine.UnmatchedArgumentException(c, extra).getSuggestions();
            return "unknown command '" + extra.get(0) + "' for `" + c.getCommandSpec().qualifiedName() + "`"
                    + (suggested.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggested) + "?)")
                    + "; its commands: " + String.join(", ", c.getSubcommands().keySet());
        }
        List<String> takes = c.getCommandSpec().positionalParameters().stream().map(p -> p.paramLabel()).toList();
        return "unexpected " + (extra.size() == 1 ? "argument " : "arguments ")
                + String.join(" ", extra.stream().map(w -> "'" + w + "'").toList()) + ": `"
                + c.getCommandSpec().qualifiedName() + "` takes "
                + (takes.isEmpty() ? "no arguments, only options" : String.join(" ", takes))
                + " (quote text that has spaces)";
    }

    /** The arguments that look like options and that the command does not know (before any "--"). */
    static List<String> unknownOptions(CommandLine c, String[] args) {
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-") || arg.matches("-\\d.*")) {
                continue;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            boolean known = c.getCommandSpec().findOption(name) != null
                    || !name.startsWith("--") && c.getCommandSpec().findOption(name.substring(0, 2)) != null;
            if (!known) {
                unknown.add(name);
            }
        }
        return unknown;
    }
}
