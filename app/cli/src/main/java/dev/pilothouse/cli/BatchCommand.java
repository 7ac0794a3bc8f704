package dev.pilothouse.cli;

import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchCounts;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchJson;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchResults;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

@Command(name = "batch", description = "Run a template over a table of inputs, one session a row (docs/batches.md)",
        subcommands = {BatchCommand.Run.class, BatchCommand.ListBatches.class, BatchCommand.Show.class,
                BatchCommand.Cancel.class, BatchCommand.Resume.class})
final class BatchCommand {
    /** The largest inputs file read, in characters. */
    static final int MAX_INPUT_CHARS = 20_000_000;

    private BatchCommand() {
    }

    /** Where --out goes, checked before anything is stored: its directory must exist. */
    static Path outFile(Cli root, String out) {
        if (out == null) {
            return null;
        }
        Path p;
        try {
            p = root.cwd().resolve(out).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new InvalidInputException("--out: '" + out + "' is not a valid file name: " + e.getReason());
        }
        if (Files.isDirectory(p)) {
            throw new InvalidInputException("--out: '" + out + "' is a directory; give a file name (results.jsonl)");
        }
        if (p.getParent() == null || !Files.isDirectory(p.getParent())) {
            throw new InvalidInputException("--out: the directory of '" + out + "' does not exist; create it first");
        }
        return p;
    }

    /**
     * Prints the batch's progress as it changes until nothing of it runs any more, then writes its
     * results (one line a row, from the store) to {@code out}. Exit 0 when every row is done, 1 when
     * some failed or the batch was cancelled.
     */
    static int follow(Engine e, String id, Path out, PrintWriter w) throws InterruptedException {
        LinkedBlockingQueue<Boolean> changed = new LinkedBlockingQueue<>();
        Runnable unsubscribe = e.subscribe(ev -> {
            if (ev instanceof EngineEvent.BatchChanged c && c.batch().batch().id().equals(id)) {
                changed.offer(Boolean.TRUE);
            }
        });
        BatchSummary s;
        try {
            String last = null;
            while (true) {
                s = e.batch(id);
                String now = s.counts().describe();
                if (!now.equals(last)) {
                    w.println("batch " + id + ": " + now);
                    w.flush();
                    last = now;
                }
                if (s.batch().status() != Batch.Status.RUNNING && s.counts().running() == 0) {
                    break;
                }
                // an event says when to look again; the timeout is a safety net, not the pace
                changed.poll(2, TimeUnit.SECONDS);
                changed.clear();
            }
        } finally {
            unsubscribe.run();
        }
        if (out != null) {
            write(out, BatchResults.jsonLines(e.batchRows(id)));
        }
        BatchCounts c = s.counts();
        w.println("batch " + id + " " + (s.batch().status() == Batch.Status.CANCELLED ? "cancelled" : "finished") + ": "
                + c.done() + " done, " + c.failed() + " failed" + (c.cancelled() > 0 ? ", " + c.cancelled() + " cancelled" : "")
                + (out != null ? "; results in " + out : "; `pilothouse batch show " + id + " --results` prints them"));
        w.flush();
        return c.failed() == 0 && c.cancelled() == 0 ? 0 : 1;
    }

    /** Written whole, then moved into place: a reader never sees half a file, and a rerun replaces it. */
    static void write(Path out, String text) {
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            throw new OperationFailedException("the results could not be written to " + out + ": " + ex.getMessage()
                    + "; `pilothouse batch show ID --results` prints them", ex);
        }
    }

    private static void followNote(PrintWriter w, String id) {
        w.println("following batch " + id + "; Ctrl+C stops following and leaves it running in the engine "
                + "(`pilothouse batch show " + id + "`, `pilothouse batch cancel " + id + "`)");
        w.flush();
    }

    @Command(name = "run", description = "Start a session per input row from a template; follow it until every row is done")
    static final class Run extends EngineCommand {
        @Option(names = "--template", required = true, paramLabel = "TEMPLATE", description = "The template of every row's session")
        String template;

        @Option(names = "--template-version", paramLabel = "N", description = "Which version of --template (default: the latest)")
        Integer templateVersion;

        @Option(names = "--inputs", required = true, paramLabel = "FILE",
                description = "The rows: .jsonl (one JSON object a line) or .csv (a header naming the parameters); - for stdin (JSON lines)")
        String inputs;

        @Option(names = "--parallel", paramLabel = "N", description = "At most N sessions running at once, 1 to 64 (default: 4)")
        int parallel = 4;

        @Option(names = "--retries", paramLabel = "K", description = "Try a failed row (stage) up to K more times (default: 0)")
        int retries;

        @Option(names = "--collect", paramLabel = "PATH",
                description = "Collect this file of each session's workspace instead of its reply")
        String collect;

        @Option(names = "--then", paramLabel = "TEMPLATE",
                description = "A further stage (repeatable): remix each row's session with this template's agents and prompt")
        List<String> then = new ArrayList<>();

        @Option(names = "--out", paramLabel = "FILE", description = "Write the results here at the end, one JSON line a row")
        String out;

        @Option(names = "--detach", description = "Submit it and return; the engine runs it")
        boolean detach;

        @Override
        int run(Engine e, Output o) throws IOException, InterruptedException {
            if (detach && out != null) {
                throw new InvalidInputException("--out needs the command to follow the batch; leave out --detach, or "
                        + "write the results later with `pilothouse batch show ID --results > FILE`");
            }
            Path outPath = outFile(root(), out);
            String text = SessionsCommand.readText(root(), inputs, "--inputs", MAX_INPUT_CHARS);
            List<BatchInputs.Row> rows = BatchInputs.parse(inputs, "--inputs " + inputs, text);
            BatchSummary s = e.submitBatch(new BatchRequest(template, templateVersion, rows, parallel, retries, collect, then));
            String id = s.batch().id();
            if (detach) {
                if (o.structured()) {
                    o.json(BatchJson.summary(s));
                } else {
                    o.line(id);
                }
                return 0;
            }
            PrintWriter w = out();
            w.println("batch " + id + ": " + s.counts().total() + " rows, at most " + parallel + " at once");
            followNote(w, id);
            return follow(e, id, outPath, w);
        }
    }

    @Command(name = "list", description = "List batches with their rows counted by status")
    static final class ListBatches extends EngineCommand {
        @Override
        int run(Engine e, Output o) {
            List<BatchSummary> all = e.batches();
            if (o.structured()) {
                var arr = Json.MAPPER.createArrayNode();
                all.forEach(s -> arr.add(BatchJson.summary(s)));
                o.json(arr);
                return 0;
            }
            o.table(List.of("ID", "STATUS", "STAGES", "PARALLEL", "QUEUED", "RUNNING", "DONE", "FAILED", "CREATED"), all, s -> {
                Batch b = s.batch();
                BatchCounts c = s.counts();
                return List.of(b.id(), b.status().name(), String.join(" > ", b.stages().stream().map(Batch.Stage::template).toList()),
                        Integer.toString(b.parallel()), Integer.toString(c.queued()), Integer.toString(c.running()),
                        c.done() + "/" + c.total(), Integer.toString(c.failed()), Json.time(b.createdAt()));
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show a batch and its rows")
    static final class Show extends EngineCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--results", description = "Print the results, one JSON line a row (what --out holds)")
        boolean results;

        @Override
        int run(Engine e, Output o) {
            BatchSummary s = e.batch(id);
            List<BatchRow> rows = e.batchRows(id);
            if (results) {
                out().print(BatchResults.jsonLines(rows));
                out().flush();
                return 0;
            }
            if (o.structured()) {
                o.json(BatchJson.withRows(s, rows));
                return 0;
            }
            Batch b = s.batch();
            o.line("id: " + b.id() + "\nstatus: " + b.status() + "\nstages: " + String.join(" > ", b.stages().stream()
                    .map(st -> st.template() + " (v" + st.version() + ")").toList()) + "\nparallel: " + b.parallel()
                    + "\nretries: " + b.retries() + (b.collect() == null ? "" : "\ncollect: " + b.collect())
                    + "\nprogress: " + s.counts().describe() + "\ncreated: " + Json.time(b.createdAt()) + " by " + b.createdBy());
            o.table(List.of("ROW", "STATUS", "STAGE", "ATTEMPTS", "SESSION", "RESULT / ERROR"), rows, r -> List.of(
                    Integer.toString(r.index()), r.status().name(), (r.finished() ? Json.parse(r.stagesDone()).size()
                            : r.stage() + 1) + "/" + b.stages().size(),
                    Integer.toString(r.attempts()), r.sessionId() == null ? "-" : r.sessionId(),
                    clip(r.status() == BatchRow.Status.DONE ? r.result() : r.error())));
            return 0;
        }

        private static String clip(String s) {
            if (s == null) {
                return "";
            }
            String one = s.strip().replace('\n', ' ');
            return one.length() > 60 ? one.substring(0, 57) + "..." : one;
        }
    }

    @Command(name = "cancel", description = "Cancel a batch: no new session starts; running ones finish their stage")
    static final class Cancel extends EngineCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(Engine e, Output o) {
            BatchSummary s = e.cancelBatch(id);
            if (o.structured()) {
                o.json(BatchJson.summary(s));
            } else {
                o.line("batch " + id + " cancelled: " + s.counts().describe() + " (`pilothouse batch resume " + id + "` goes on)");
            }
            return 0;
        }
    }

    @Command(name = "resume", description = "Resume a cancelled batch (or follow a running one) until every row is done")
    static final class Resume extends EngineCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--out", paramLabel = "FILE", description = "Write the results here at the end, one JSON line a row")
        String out;

        @Option(names = "--detach", description = "Resume it and return; the engine runs it")
        boolean detach;

        @Override
        int run(Engine e, Output o) throws InterruptedException {
            if (detach && out != null) {
                throw new InvalidInputException("--out needs the command to follow the batch; leave out --detach");
            }
            Path outPath = outFile(root(), out);
            BatchSummary s = e.resumeBatch(id);
            if (detach) {
                o.line("batch " + id + ": " + s.counts().describe());
                return 0;
            }
            followNote(out(), id);
            return follow(e, id, outPath, out());
        }
    }
}
