package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchResults;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 items 4, 5 and 7: batches and pipelines of real sessions of the reference agent, on the
 * local runtime: bounded parallelism (measured from the engine's own session events), results and
 * collected files, retries, a two-stage pipeline's lineage, cancel and resume, and bad input refused
 * with nothing stored.
 */
class BatchTest extends EngineTestBase {
    /** Sessions that hold a runtime now (starting, ready, busy), as the engine's events say, and the most at once. */
    private final Set<String> live = new HashSet<>();
    private final AtomicInteger mostLive = new AtomicInteger();

    @BeforeEach
    void countLiveSessions() {
        engine.subscribe(e -> {
            if (e instanceof EngineEvent.SessionChanged c) {
                Session s = c.session();
                synchronized (live) {
                    boolean holds = !s.deleted() && (s.state() == SessionState.INIT || s.state() == SessionState.READY
                            || s.state() == SessionState.BUSY);
                    if (holds) {
                        live.add(s.id());
                    } else {
                        live.remove(s.id());
                    }
                    mostLive.accumulateAndGet(live.size(), Math::max);
                }
            }
        });
    }

    private void template(String name, String prompt, String... params) {
        StringBuilder y = new StringBuilder("apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: " + name
                + "\nspec:\n  agents:\n    - name: reference\n  starting_prompt: '" + prompt.replace("'", "''") + "'\n");
        if (params.length > 0) {
            y.append("  parameters:\n");
            for (String p : params) {
                y.append("    - name: ").append(p).append('\n');
            }
        }
        engine.applyTemplate(y.toString());
    }

    private static List<BatchInputs.Row> rows(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new BatchInputs.Row(i, Map.of("n", Integer.toString(i)))).toList();
    }

    private BatchSummary awaitFinished(String id) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            BatchSummary s = engine.batch(id);
            return s.batch().status() != Batch.Status.RUNNING && s.counts().running() == 0;
        });
        return engine.batch(id);
    }

    @Test
    void eachRowIsASessionAtMostNRunAtOnceAndEveryFinishedSessionIsPaused() {
        template("echo", "$ sleep 0.3; echo row {{n}}", "n");
        BatchSummary submitted = engine.submitBatch(new BatchRequest("echo", null, rows(6), 2, 0, null, List.of()));
        BatchSummary done = awaitFinished(submitted.batch().id());

        assertThat(done.batch().status()).isEqualTo(Batch.Status.DONE);
        assertThat(done.counts().done()).isEqualTo(6);
        assertThat(mostLive.get()).as("sessions holding a runtime at once").isBetween(1, 2);
        List<BatchRow> rows = engine.batchRows(done.batch().id());
        assertThat(rows).extracting(r -> r.result().lines().findFirst().orElse(""))
                .containsExactly("row 1", "row 2", "row 3", "row 4", "row 5", "row 6");
        for (BatchRow r : rows) {
            Session s = engine.session(r.sessionId());
            assertThat(s.state()).as("session of row %d", r.index()).isEqualTo(SessionState.IDLE);
            JsonNode meta = Json.parse(s.metadata());
            assertThat(meta.get("batch").asText()).isEqualTo(done.batch().id());
            assertThat(meta.get("batch_row").asInt()).isEqualTo(r.index());
        }
        String lines = BatchResults.jsonLines(rows);
        assertThat(lines.lines()).hasSize(6);
        JsonNode first = Json.parse(lines.lines().findFirst().orElseThrow());
        assertThat(first.get("input").get("n").asText()).isEqualTo("1");
        assertThat(first.get("status").asText()).isEqualTo("done");
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("stages")).hasSize(1);
        assertThat(first.get("session_id").asText()).isEqualTo(rows.get(0).sessionId());
    }

    @Test
    void aFailingRowIsRetriedThenFailedAndTheOthersCollectTheirFile() {
        template("maybe", "$ test {{n}} != 2 && echo collected {{n}} > out.txt", "n");
        BatchSummary s = engine.submitBatch(new BatchRequest("maybe", null, rows(3), 3, 1, "out.txt", List.of()));
        BatchSummary done = awaitFinished(s.batch().id());

        assertThat(done.counts().done()).isEqualTo(2);
        assertThat(done.counts().failed()).isEqualTo(1);
        List<BatchRow> rows = engine.batchRows(s.batch().id());
        assertThat(rows.get(0).result()).isEqualTo("collected 1\n");
        assertThat(rows.get(2).result()).isEqualTo("collected 3\n");
        BatchRow failed = rows.get(1);
        assertThat(failed.status()).isEqualTo(BatchRow.Status.FAILED);
        assertThat(failed.attempts()).as("tried once, retried once").isEqualTo(2);
        assertThat(failed.error()).contains("ended with exit code 1");
        assertThat(engine.sessions(false)).hasSize(4).allMatch(x -> x.state() == SessionState.IDLE);
    }

    @Test
    void aTwoStagePipelineRemixesEachRowsSessionWithTheNextTemplateAndLineageShowsTheChain() {
        template("write", "$ echo input {{n}} > a.txt", "n");
        template("read", "$ cat a.txt; echo stage two >> a.txt; cat a.txt > b.txt");
        BatchSummary s = engine.submitBatch(new BatchRequest("write", null, rows(3), 2, 0, "b.txt", List.of("read")));
        BatchSummary done = awaitFinished(s.batch().id());

        assertThat(done.counts().done()).isEqualTo(3);
        assertThat(mostLive.get()).isLessThanOrEqualTo(2);
        for (BatchRow r : engine.batchRows(s.batch().id())) {
            assertThat(r.result()).isEqualTo("input " + r.index() + "\nstage two\n");
            JsonNode stages = Json.parse(r.stagesDone());
            assertThat(stages).hasSize(2);
            assertThat(stages.get(0).get("template").asText()).isEqualTo("write");
            assertThat(stages.get(1).get("template").asText()).isEqualTo("read");
            Session second = engine.session(r.sessionId());
            assertThat(second.id()).isEqualTo(stages.get(1).get("session_id").asText());
            assertThat(second.parentSessionId()).isEqualTo(stages.get(0).get("session_id").asText());
            assertThat(Json.parse(second.metadata()).get("template").asText()).isEqualTo("read");
            assertThat(engine.children(stages.get(0).get("session_id").asText())).extracting(Session::id)
                    .containsExactly(second.id());
        }
    }

    @Test
    void aCancelledBatchStartsNothingNewAndResumeFinishesIt() {
        template("slow", "$ sleep 0.5; echo {{n}}", "n");
        BatchSummary s = engine.submitBatch(new BatchRequest("slow", null, rows(4), 1, 0, null, List.of()));
        String id = s.batch().id();
        BatchSummary cancelled = engine.cancelBatch(id);
        assertThat(cancelled.batch().status()).isEqualTo(Batch.Status.CANCELLED);
        BatchSummary stopped = awaitFinished(id);
        assertThat(stopped.counts().cancelled()).as("queued rows cancelled").isEqualTo(3);
        assertThat(stopped.counts().done()).as("the running row finished its stage").isEqualTo(1);

        engine.resumeBatch(id);
        BatchSummary done = awaitFinished(id);
        assertThat(done.batch().status()).isEqualTo(Batch.Status.DONE);
        assertThat(done.counts().done()).isEqualTo(4);
        assertThat(engine.sessions(false)).hasSize(4);
    }

    @Test
    void badInputIsRefusedNamingWhatIsWrongAndNothingIsStored() {
        template("echo", "$ echo {{n}}", "n");
        Map<String, String> unknown = new LinkedHashMap<>(Map.of("n", "1"));
        unknown.put("colour", "red");
        List<BatchInputs.Row> withUnknown = List.of(new BatchInputs.Row(1, Map.of("n", "1")), new BatchInputs.Row(2, unknown));
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, withUnknown, 2, 0, null, List.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("input row 2 (line 2): template 'echo' has no parameter 'colour'; its parameters are n");
        List<BatchInputs.Row> missing = List.of(new BatchInputs.Row(3, Map.of()));
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, missing, 2, 0, null, List.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("input row 1 (line 3): template 'echo' needs parameter n; add it to the row");
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, rows(1), 0, 0, null, List.of())))
                .isInstanceOf(InvalidInputException.class).hasMessage("parallel 0 is out of range: give 1 to 64 sessions at once");
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, rows(1), 2, 0, "../etc/passwd", List.of())))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("relative and without '..'");
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, rows(1), 2, 0, "/etc/passwd", List.of())))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("collect path '/etc/passwd' is not accepted");
        assertThatThrownBy(() -> engine.submitBatch(new BatchRequest("echo", null, rows(1), 2, 0, null, List.of("nope"))))
                .hasMessageStartingWith("no template named 'nope'");
        assertThat(engine.batches()).isEmpty();
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void anEngineThatStoppedMidBatchIsFollowedByOneThatRequeuesItsRowsAndFinishesWithOneResultPerRow() {
        template("slow", "$ sleep 1; echo {{n}}", "n");
        BatchSummary s = engine.submitBatch(new BatchRequest("slow", null, rows(4), 2, 0, null, List.of()));
        String id = s.batch().id();
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.batchRows(id).stream()
                .anyMatch(r -> r.status() == BatchRow.Status.RUNNING && r.sessionId() != null));
        engine.close(); // rows still running stay RUNNING in the store

        Engine next = openEngine("alice", c -> c.withBackground(true));
        await().atMost(Duration.ofSeconds(120)).until(() -> next.batch(id).batch().status() == Batch.Status.DONE);
        List<BatchRow> rows = next.batchRows(id);
        assertThat(rows).hasSize(4).allMatch(r -> r.status() == BatchRow.Status.DONE);
        assertThat(rows).extracting(r -> r.result().lines().findFirst().orElse("")).containsExactly("1", "2", "3", "4");
        assertThat(rows).anyMatch(r -> r.interruptions() > 0);
        assertThat(BatchResults.jsonLines(rows).lines()).hasSize(4);
        // the interrupted tries' sessions were deleted; one live session per row remains
        assertThat(next.sessions(false)).hasSize(4).allMatch(x -> x.state() == SessionState.IDLE);
    }
}
