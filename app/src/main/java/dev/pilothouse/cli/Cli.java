package dev.pilothouse.cli;

import dev.pilothouse.errors.PilothouseException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;

/** {@code pilothouse}: the command line. Every command runs on the same engine and data dir as the console. */
@Command(name = "pilothouse", mixinStandardHelpOptions = true, versionProvider = Version.class,
        scope = ScopeType.INHERIT,
        description = "Run AI agents in sessions: create, talk to, pause, resume, remix and delete them.%n"
                + "Without a command, opens the console.",
        subcommands = {ContextsCommand.class, AgentsCommand.class, SessionsCommand.class, RunCommand.class, StoreCommand.class,
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

    public static int run(String[] args) {
        return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(out, err);
        return cl.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
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
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("usage: " + c.getHelp().synopsis(0).trim());
            c.getErr().println("(`" + c.getCommandSpec().qualifiedName() + " --help` explains every option)");
            return 2;
        });
        return cl;
    }
}
