package dev.pilothouse.bench;

import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.SessionState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Issue 14 item 9: a batch of 200 rows with --parallel 8 on the local runtime (real reference
 * agents), its total time against the sum of the sessions' own work. Not part of {@code mvn verify}:
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.BatchBenchmark -Dbench=200,8</pre>
 * ({@code -Dbench=ROWS,PARALLEL}). Prints Markdown rows for docs/performance.md.
 */
public final class BatchBenchmark {
    private BatchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String[] a = (args.length > 0 && args[0].contains(",") ? args[0] : "200,8").split(",");
        int rows = Integer.parseInt(a[0]);
        int parallel = Integer.parseInt(a[1]);
        Path dir = Files.createTempDirectory("pilothouse-batch-bench");
        System.out.println("# batch benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", " + rows + " rows, parallel " + parallel);
        try (Engine engine = Engine.open(EngineConfig.of(dir).withActor("bench"))) {
            engine.applyTemplate("apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: work\nspec:\n  agents:\n"
                    + "    - name: reference\n  starting_prompt: '$ sleep 0.2; echo row {{n}}'\n  parameters:\n    - name: n\n");
            List<BatchInputs.Row> input = IntStream.rangeClosed(1, rows)
                    .mapToObj(i -> new BatchInputs.Row(i, Map.of("n", Integer.toString(i)))).toList();
            long t0 = System.nanoTime();
            BatchSummary s = engine.submitBatch(new BatchRequest("work", null, input, parallel, 0, null, List.of()));
            String id = s.batch().id();
            while (engine.batch(id).batch().status() == Batch.Status.RUNNING) {
                Thread.sleep(50); // a benchmark's own polling, not a test
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            List<BatchRow> done = engine.batchRows(id);
            double lifetimes = 0;
            double replies = 0;
            List<Double> perRow = new ArrayList<>();
            for (BatchRow r : done) {
                Instant created = null;
                Instant paused = null;
                for (AuditEvent e : engine.events(r.sessionId(), 0, 1000)) {
                    if (e.kind().equals(AuditEvent.CREATED)) {
                        created = e.at();
                    } else if (paused == null && e.to() == SessionState.IDLE) {
                        paused = e.at();
                    }
                }
                List<Message> m = engine.messages(r.sessionId(), 0, null, 10);
                if (created == null || paused == null || m.size() < 2) {
                    System.out.println("row " + r.index() + " (" + r.status() + ", " + r.error() + "): created " + created
                            + ", paused " + paused + ", " + m.size() + " messages; left out of the sums");
                    continue;
                }
                double life = Duration.between(created, paused).toNanos() / 1e9;
                lifetimes += life;
                perRow.add(life);
                replies += Duration.between(m.get(0).createdAt(), m.get(1).createdAt()).toNanos() / 1e9;
            }
            long failed = done.stream().filter(r -> r.status() != BatchRow.Status.DONE).count();
            perRow.sort(Double::compare);
            System.out.println("| rows | parallel | failed | total (s) | Σ session lifetimes (s) | Σ reply work (s) | "
                    + "ideal total: Σ lifetimes / parallel (s) | engine overhead per row | slot time per row beyond the reply |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            System.out.printf("| %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f ms | %.0f ms |%n", rows, parallel, failed, wall,
                    lifetimes, replies, lifetimes / parallel, (wall * parallel - lifetimes) / rows * 1000,
                    (wall * parallel - replies) / rows * 1000);
            System.out.printf("session lifetime (create to paused): median %.2f s, p90 %.2f s, max %.2f s%n",
                    perRow.get(perRow.size() / 2), perRow.get(perRow.size() * 9 / 10), perRow.get(perRow.size() - 1));
        } finally {
            try (LocalRuntime r = new LocalRuntime(dir, 2000)) {
                r.volumes().forEach(r::stop);
            }
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
    }
}
