package dev.pilothouse.agent.reference;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code $ } message with {@code sh -c} in the workspace, stdin empty, and streams its
 * stdout and stderr as {@code tool_output} events while it runs. A command that outlives its time
 * limit is killed with all its descendants and reported as exit code 124 (what timeout(1) uses).
 * At most {@link #OUTPUT_LIMIT_BYTES} of output are sent per reply; the rest is read and dropped,
 * so the command never blocks on a full pipe.
 */
final class CommandRunner {
    static final String TOOL = "sh";
    static final int OUTPUT_LIMIT_BYTES = 1024 * 1024;
    static final int TIMEOUT_EXIT_CODE = 124;
    /** How long to wait for the rest of the output once the shell has exited. */
    private static final long DRAIN_GRACE_MILLIS = 1000;

    private final Path workspace;
    private final long timeoutSeconds;
    /** The environment commands run in; null: the agent's own (a pooled agent gets its session's at its claim). */
    private final java.util.Map<String, String> env;
    private volatile Process running;

    CommandRunner(Path workspace, long timeoutSeconds, java.util.Map<String, String> env) {
        this.workspace = workspace;
        this.timeoutSeconds = timeoutSeconds;
        this.env = env;
    }

    /** Environment variables a command does not inherit. */
    static final java.util.List<String> SECRETS = java.util.List.of("PILOTHOUSE_AGENT_TOKEN", "OPENAI_API_KEY",
            "PILOTHOUSE_EXIT_FILE", PooledStart.KEY_ENV);

    /** Runs the script and ends the reply with {@code exit code N} and {@code done}, or an error. */
    void run(String script, EventStream events) throws InterruptedException {
        Process process;
        try {
            // stdin at end of file: nobody can type into it, and a command reading it must not hang
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).directory(workspace.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            // secrets stay with the agent: a `$ env` must not print them into the conversation
            SECRETS.forEach(pb.environment()::remove);
            process = pb.start();
        } catch (IOException e) {
            events.error("cannot run sh -c in " + workspace + ": " + e.getMessage());
            return;
        }
        running = process;
        OutputBudget budget = new OutputBudget(events);
        Thread stdout = pump(process.getInputStream(), "stdout", budget);
        Thread stderr = pump(process.getErrorStream(), "stderr", budget);
        boolean timedOut;
        try {
            timedOut = !process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (timedOut) {
                killTree(process);
            }
            process.waitFor();
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        } finally {
            running = null;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_GRACE_MILLIS);
        stdout.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        stderr.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        // Output from a background job that keeps the pipes open belongs to no reply.
        budget.close();

        int exitCode = timedOut ? TIMEOUT_EXIT_CODE : process.exitValue();
        events.newLine();
        if (stdout.isAlive() || stderr.isAlive()) {
            events.delta("the command left a background process holding its output open; "
                    + "output after the command ended is not shown\n");
        }
        if (budget.dropped() > 0) {
            events.delta("output truncated: sent the first " + OUTPUT_LIMIT_BYTES + " bytes, dropped "
                    + budget.dropped() + " bytes\n");
        }
        if (timedOut) {
            events.delta("command timed out after " + timeoutSeconds + " s "
                    + "(PILOTHOUSE_COMMAND_TIMEOUT_SECONDS); killed it and its child processes\n");
        }
        events.delta("exit code " + exitCode);
        events.done(exitCode);
    }

    /** Kills the running command's process tree, if any: the agent is stopping. */
    void killRunning() {
        Process process = running;
        if (process != null) {
            killTree(process);
        }
    }

    private static void killTree(Process process) {
        // Snapshot first: once the shell is dead its children are re-parented out of reach.
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    private static Thread pump(InputStream in, String stream, OutputBudget budget) {
        Thread t = new Thread(() -> copy(in, stream, budget), "sh-" + stream);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Forwards output as it is read, never splitting a UTF-8 character across two events. */
    private static void copy(InputStream in, String stream, OutputBudget budget) {
        byte[] buf = new byte[8192];
        int carried = 0;
        try (in) {
            int n;
            while ((n = in.read(buf, carried, buf.length - carried)) >= 0) {
                int sendable = budget.take(n);
                int end = carried + sendable;
                int complete = sendable < n ? end : completePrefix(buf, end);
                if (complete > 0) {
                    budget.send(stream, new String(buf, 0, complete, StandardCharsets.UTF_8));
                }
                carried = end - complete;
                System.arraycopy(buf, complete, buf, 0, carried);
            }
            if (carried > 0) {
                budget.send(stream, new String(buf, 0, carried, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            budget.send(stream, "\n[reading " + stream + " failed: " + e.getMessage() + "]\n");
        }
    }

    /** The length of {@code b[0, len)} without a UTF-8 sequence cut off at its end. */
    static int completePrefix(byte[] b, int len) {
        for (int i = len - 1; i >= Math.max(0, len - 3); i--) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                return len;
            }
            if (c >= 0xc0) {
                int needed = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
                return len - i < needed ? i : len;
            }
        }
        return len;
    }

    /** The per-reply output cap, shared by stdout and stderr. */
    private static final class OutputBudget {
        private final EventStream events;
        private long sent;
        private long dropped;
        private boolean closed;

        OutputBudget(EventStream events) {
            this.events = events;
        }

        /** Of n bytes just read, how many may be sent; the rest are counted as dropped. */
        synchronized int take(int n) {
            int allowed = (int) Math.max(0, Math.min(n, OUTPUT_LIMIT_BYTES - sent));
            sent += allowed;
            dropped += n - allowed;
            return allowed;
        }

        synchronized void send(String stream, String text) {
            if (!closed) {
                events.toolOutput(TOOL, stream, text);
            }
        }

        synchronized void close() {
            closed = true;
        }

        synchronized long dropped() {
            return dropped;
        }
    }
}
