package dev.pilothouse;

import dev.pilothouse.agent.reference.ReferenceAgent;

/**
 * The one launcher: no arguments open the console; {@code reference-agent} runs the reference
 * agent (kept out of the CLI so an agent process starts without loading it); anything else is a
 * CLI command.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("reference-agent")) {
            ReferenceAgent.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(dev.pilothouse.cli.Cli.run(args));
    }
}
