package dev.pilothouse.console;

import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import javafx.scene.control.Button;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 14 item 4: a batch shown live in the console, its rows with results, cancel and resume. */
class BatchesUiTest extends ConsoleTestBase {

    @Test
    void aBatchIsFollowedLiveWithItsRowsAndCanBeCancelledAndResumed() throws Exception {
        awaitReady();
        engine().applyTemplate("""
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: echo
                spec:
                  agents:
                    - name: reference
                  starting_prompt: '$ echo row {{n}}'
                  parameters:
                    - name: n
                """);
        List<BatchInputs.Row> rows = IntStream.rangeClosed(1, 3)
                .mapToObj(i -> new BatchInputs.Row(i, Map.of("n", Integer.toString(i)))).toList();
        BatchSummary submitted = engine().submitBatch(new BatchRequest("echo", null, rows, 2, 0, null, List.of()));
        String id = submitted.batch().id();

        clickOn("#batches");
        await().until(() -> lookup("#batch-table").tryQuery().isPresent());
        TableView<BatchSummary> batches = lookup("#batch-table").queryAs(TableView.class);
        TableView<BatchRow> batchRows = lookup("#batch-rows").queryAs(TableView.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> batchRows.getItems().size() == 3
                && batchRows.getItems().stream().allMatch(r -> r.status() == BatchRow.Status.DONE));
        assertThat(batches.getItems()).singleElement().satisfies(b -> {
            assertThat(b.batch().id()).isEqualTo(id);
            assertThat(b.batch().status()).isEqualTo(Batch.Status.DONE);
            assertThat(b.counts().describe()).isEqualTo("3/3 done, 0 running, 0 queued");
        });
        assertThat(batchRows.getItems()).extracting(r -> r.result().strip()).allMatch(r -> r.contains("row "));
        // drawn in the progress cell at the pulse after the table's item changed
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup("3/3 done, 0 running, 0 queued").tryQuery().isPresent());
        assertThat(lookup("#cancel-batch").queryAs(Button.class).isDisabled()).isTrue();
        assertThat(lookup("#resume-batch").queryAs(Button.class).isDisabled()).isTrue();
        snapshot(batches.getScene().getRoot(), "batches.png");

        // a second batch whose first row waits for a gate file, so it is surely running when it is cancelled
        Path gate = dataDir.resolve("gate");
        engine().applyTemplate("""
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: gated
                spec:
                  agents:
                    - name: reference
                  starting_prompt: '$ while [ ! -f GATE ]; do sleep 0.05; done; echo gated {{n}}'
                  parameters:
                    - name: n
                """.replace("GATE", gate.toString()));
        List<BatchInputs.Row> more = IntStream.rangeClosed(1, 4)
                .mapToObj(i -> new BatchInputs.Row(i, Map.of("n", Integer.toString(i)))).toList();
        String second = engine().submitBatch(new BatchRequest("gated", null, more, 1, 0, null, List.of())).batch().id();
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.getItems().size() == 2);
        interact(() -> batches.getSelectionModel().select(batches.getItems().stream()
                .filter(b -> b.batch().id().equals(second)).findFirst().orElseThrow()));
        await().atMost(Duration.ofSeconds(30)).until(() -> batchRows.getItems().size() == 4
                && batchRows.getItems().get(0).status() == BatchRow.Status.RUNNING);
        clickOn("#cancel-batch");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine().batch(second).batch().status() == Batch.Status.CANCELLED);
        await().atMost(Duration.ofSeconds(10)).until(() -> batchRows.getItems().stream()
                .filter(r -> r.status() == BatchRow.Status.CANCELLED).count() == 3);
        snapshot(batches.getScene().getRoot(), "batches-cancelled.png");

        Files.writeString(gate, "go");
        await().until(() -> !lookup("#resume-batch").queryAs(Button.class).isDisabled());
        clickOn("#resume-batch");
        await().atMost(Duration.ofSeconds(120)).until(() -> engine().batch(second).batch().status() == Batch.Status.DONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> batchRows.getItems().size() == 4
                && batchRows.getItems().stream().allMatch(r -> r.status() == BatchRow.Status.DONE));

        // closing the console closes the batches window too: its ticker must not outlive the engine
        javafx.stage.Window batchesWindow = batches.getScene().getWindow();
        interact(() -> window.close());
        assertThat(batchesWindow.isShowing()).isFalse();
    }
}
