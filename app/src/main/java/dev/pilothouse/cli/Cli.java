package dev.pilothouse.cli;

/** Placeholder until the CLI lands. */
public final class Cli {
    private Cli() {
    }

    public static int run(String[] args) {
        System.err.println("the CLI is not implemented yet");
        return 1;
    }
}
