package dev.pilothouse.docs;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.console.ConsoleWindow;
import dev.pilothouse.console.Snapshots;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.FxHeadless;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.ComboBox;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * The README's screenshots, taken from the real console (headless) on a data dir with a few real
 * sessions: main window, a remix's copied conversation, a crashed session's state, remix dialog and log
 * viewer, light and dark, at the default 1400×880. Run with
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.docs.ReadmeScreenshots -Dbench=docs/images</pre>
 */
public final class ReadmeScreenshots {
    private ReadmeScreenshots() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/images").toAbsolutePath();
        FxHeadless.start(1400, 880);
        Path dir = Files.createTempDirectory("pilothouse-screens");
        ConsoleWindow window = fx(() -> {
            Stage stage = new Stage();
            stage.setWidth(1400);
            stage.setHeight(880);
            return ConsoleWindow.show(stage, dir, () -> Engine.open(EngineConfig.of(dir).withBackground(true)));
        });
        await(() -> window.engine() != null);
        Engine engine = (Engine) window.engine();
        seed(engine);
        await(() -> fx(() -> window.controller().shownRows().size() >= 6));

        Session report = engine.session("q4-report");
        Path workspace = Path.of(engine.volumeLocation(report));
        Files.createDirectories(workspace.resolve("data"));
        Files.writeString(workspace.resolve("data/q4.csv"), "region,revenue\nnorth,1200\nsouth,950\n");
        Files.writeString(workspace.resolve("report.md"), "# Q4 revenue\n\nNorth leads with 1,200; south follows with 950.\n\n"
                + "| region | revenue |\n|---|---|\n| north | 1200 |\n| south | 950 |\n");
        fx(() -> {
            window.controller().select(report.id());
            window.controller().detail().selectTab(0);
            return null;
        });
        for (boolean dark : new boolean[]{false, true}) {
            String theme = dark ? "dark" : "light";
            fx(() -> {
                ((ToggleButton) lookup(window, "#theme-toggle")).setSelected(dark);
                return null;
            });
            settle();
            shoot(window.stage().getScene().getRoot(), out.resolve("main-" + theme + ".png"));

            // a remix that copied its parent's conversation: the copied messages are marked
            fx(() -> {
                window.controller().select(engine.session("q4-report-viz").id());
                window.controller().detail().selectTab(2);
                return null;
            });
            settle();
            shoot(window.stage().getScene().getRoot(), out.resolve("remix-conversation-" + theme + ".png"));

            // the crashed session: ERROR, its runtime phase FAILED, and the reason
            fx(() -> {
                window.controller().select(engine.session("ingest-broken").id());
                window.controller().detail().selectTab(1);
                return null;
            });
            settle();
            shoot(lookup(window, "#detail"), out.resolve("state-diagram-" + theme + ".png"));
            fx(() -> {
                window.controller().select(report.id());
                window.controller().detail().selectTab(0);
                return null;
            });

            fx(() -> {
                window.controller().detail().selectTab(3);
                return null;
            });
            settle();
            shoot(lookup(window, "#detail"), out.resolve("log-viewer-" + theme + ".png"));

            // the workspace browser: a folder's entries and a file read as text
            fx(() -> {
                window.controller().detail().selectTab(5);
                return null;
            });
            await(() -> fx(() -> ((TableView<?>) lookup(window, "#files-table")).getItems().size() >= 3));
            fx(() -> {
                TableView<?> files = (TableView<?>) lookup(window, "#files-table");
                for (int i = 0; i < files.getItems().size(); i++) {
                    if (files.getItems().get(i).toString().contains("report.md")) {
                        files.getSelectionModel().select(i);
                    }
                }
                return null;
            });
            await(() -> fx(() -> !((javafx.scene.control.TextArea) lookup(window, "#file-text")).getText().isEmpty()));
            settle();
            shoot(lookup(window, "#detail"), out.resolve("files-" + theme + ".png"));

            // metrics: the table's CPU and memory columns and the Metrics tab, once a few readings are in
            fx(() -> {
                window.controller().detail().selectTab(6);
                return null;
            });
            await(() -> fx(() -> ((javafx.scene.control.Label) lookup(window, "#metrics-memory")).getText().endsWith("MiB")
                    && ((javafx.scene.chart.LineChart<?, ?>) lookup(window, "#metrics-memory-chart")).getData().get(0).getData().size() >= 2));
            settle();
            shoot(window.stage().getScene().getRoot(), out.resolve("metrics-" + theme + ".png"));

            fx(() -> {
                window.controller().detail().selectTab(0);
                ((ButtonBase) lookup(window, "#remix")).fire();
                return null;
            });
            await(() -> fx(() -> dialog("#remix-summary") != null));
            settle();
            shoot(fx(() -> dialog("#remix-summary").getScene().getRoot()), out.resolve("remix-dialog-" + theme + ".png"));
            fx(() -> {
                ((Stage) dialog("#remix-summary").getScene().getWindow()).close();
                return null;
            });

            // a new session from a template: its parameters as fields, its guardrails ticked
            fx(() -> {
                ((ButtonBase) lookup(window, "#new-session")).fire();
                return null;
            });
            await(() -> fx(() -> dialog("#template-choice") != null
                    && ((ComboBox<?>) dialog("#template-choice")).getItems().contains("data-analysis")));
            fx(() -> {
                ((ComboBox<String>) dialog("#template-choice")).getSelectionModel().select("data-analysis");
                return null;
            });
            await(() -> fx(() -> dialog("#param-dataset") != null));
            fx(() -> {
                ((TextField) dialog("#param-dataset")).setText("q4.csv");
                return null;
            });
            settle();
            shoot(fx(() -> dialog("#template-choice").getScene().getRoot()), out.resolve("new-from-template-" + theme + ".png"));
            fx(() -> {
                ((Stage) dialog("#template-choice").getScene().getWindow()).close();
                return null;
            });

            // the batches window: a finished batch and its rows
            fx(() -> {
                ((ButtonBase) lookup(window, "#batches")).fire();
                return null;
            });
            await(() -> fx(() -> dialog("#batch-rows") != null && ((TableView<?>) dialog("#batch-rows")).getItems().size() == 4));
            settle();
            shoot(fx(() -> dialog("#batch-rows").getScene().getRoot()), out.resolve("batches-" + theme + ".png"));
            fx(() -> {
                ((Stage) dialog("#batch-rows").getScene().getWindow()).close();
                return null;
            });

            // replay: q4-report's timeline stepped to its second reply, the diagram and conversation following
            fx(() -> {
                window.controller().select(report.id());
                return null;
            });
            menuItem(window, "menu-replay");
            await(() -> fx(() -> replay() != null && replay().model() != null));
            fx(() -> {
                Node forward = replay().stage().getScene().lookup("#replay-forward");
                while (!replay().model().atEnd() && replay().model().frame().conversation().size() < 4) {
                    ((ButtonBase) forward).fire();
                }
                return null;
            });
            await(() -> fx(() -> replay().drawn())); // its lists and conversation follow the cursor a view a frame
            settle();
            shoot(fx(() -> replay().stage().getScene().getRoot()), out.resolve("replay-" + theme + ".png"));
            fx(() -> {
                replay().stage().close();
                return null;
            });

            // export: the session as one bundle file, its workspace included
            menuItem(window, "menu-export");
            await(() -> fx(() -> dialog("#export-file") != null));
            fx(() -> {
                ((TextField) dialog("#export-file")).setText("/home/alice/bundles/q4-report.bundle.tar.gz");
                ((javafx.scene.control.CheckBox) dialog("#export-workspace")).setSelected(true);
                return null;
            });
            await(() -> fx(() -> ((javafx.scene.control.Label) dialog("#export-workspace-size")).getText().startsWith("(")));
            settle();
            shoot(fx(() -> dialog("#export-file").getScene().getRoot()), out.resolve("export-dialog-" + theme + ".png"));
            fx(() -> {
                ((Stage) dialog("#export-file").getScene().getWindow()).close();
                return null;
            });
        }
        // leave no agent running behind the temporary data dir
        for (Session s : engine.sessions(false)) {
            if (s.state() == SessionState.READY) {
                engine.pause(s.id());
            }
        }
        fx(() -> {
            window.close();
            return null;
        });
        Platform.exit();
        System.out.println("screenshots in " + out);
        System.exit(0);
    }

    /** A small, realistic data dir: busy sessions, a paused one, a remix, a crashed agent. */
    private static void seed(Engine engine) {
        engine.createAgent(new AgentDefinition(null, "flaky-tool", null,
                List.of("sh", "-c", "echo starting flaky-tool; echo 'fatal: /workspace/config.yaml not found' >&2; exit 3"),
                null, null, Map.of(), AgentDefinition.DEFAULT_PORT, Resources.DEFAULT, null, null, null));
        engine.create(CreateRequest.of("q4-report", "reference").withMetadata("{\"team\":\"finance\",\"quarter\":\"q4\"}")
                .withPrompt("$ mkdir -p data && printf 'region,revenue\\nemea,1.2\\napac,0.9\\n' > data/revenue.csv && ls -l data"), null);
        engine.send("q4-report", "reference", "$ wc -l data/revenue.csv && head -3 data/revenue.csv", null);
        engine.send("q4-report", "reference", "$ awk -F, 'NR > 1 { total += $2 } END { print total }' data/revenue.csv", null);
        engine.create(CreateRequest.of("etl-nightly", "reference").withMetadata("{\"team\":\"data\"}"), null);
        engine.create(CreateRequest.of("docs-refresh", "reference").withMetadata("{\"team\":\"docs\"}"), null);
        engine.pause("docs-refresh");
        engine.create(CreateRequest.of("triage-bot", "reference").withMetadata("{\"team\":\"support\",\"priority\":\"high\"}"), null);
        engine.remix("q4-report", RemixRequest.inherit().named("q4-report-viz").copying(true, true), null);
        engine.send("q4-report-viz", "reference", "$ ls data && wc -c data/revenue.csv", null);
        engine.create(CreateRequest.of("ingest-broken", "flaky-tool"), null);
        await(() -> engine.session("ingest-broken").state() == SessionState.ERROR);
        engine.pause("q4-report");
        engine.resume("q4-report");
        engine.applyTemplate("""
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: data-analysis
                spec:
                  agents:
                    - name: reference
                      config:
                        model: gpt-4
                  resources:
                    cpu: "1"
                    memory: 1Gi
                  guardrails:
                    - no-pii-exposure
                  starting_prompt: '$ wc -l {{dataset}}'
                  parameters:
                    - name: dataset
                      description: the file to analyse
                    - name: team
                      default: finance
                """);
        List<String> regions = List.of("emea", "apac", "amer", "anz");
        List<BatchInputs.Row> rows = IntStream.range(0, regions.size())
                .mapToObj(i -> new BatchInputs.Row(i + 1, Map.of("dataset", regions.get(i) + ".csv"))).toList();
        engine.applyTemplate("""
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: region-summary
                spec:
                  agents:
                    - name: reference
                  starting_prompt: '$ echo summary of {{dataset}}: ok'
                  parameters:
                    - name: dataset
                """);
        String batch = engine.submitBatch(new BatchRequest("region-summary", null, rows, 2, 1, null, List.of())).batch().id();
        await(() -> engine.batch(batch).batch().finished());
        // the batch's sessions served their rows: deleted, so the main picture shows the hand-made ones
        engine.batchRows(batch).forEach(r -> engine.delete(r.sessionId()));
    }

    /** Chooses an item of the session table's context menu, as a right click on the selected row does. */
    private static void menuItem(ConsoleWindow w, String id) throws Exception {
        fx(() -> {
            javafx.scene.control.ContextMenu menu = ((TableView<?>) lookup(w, "#sessions")).getContextMenu();
            menu.show(w.stage());
            menu.getItems().stream().filter(i -> id.equals(i.getId())).findFirst().orElseThrow().fire();
            menu.hide();
            return null;
        });
    }

    /** The open Replay window. */
    private static dev.pilothouse.console.replay.ReplayWindow replay() {
        return Window.getWindows().stream().filter(w -> w instanceof Stage s && s.getTitle() != null
                && s.getTitle().startsWith("Replay")).map(w -> (dev.pilothouse.console.replay.ReplayWindow) w.getUserData())
                .findFirst().orElse(null);
    }

    private static Node lookup(ConsoleWindow w, String id) {
        return w.stage().getScene().lookup(id);
    }

    /** A node in any open dialog window. */
    private static Node dialog(String id) {
        for (Window w : Window.getWindows()) {
            Parent root = w.getScene() == null ? null : w.getScene().getRoot();
            Node n = root == null ? null : root.lookup(id);
            if (n != null && w instanceof Stage s && !s.getTitle().equals("Pilothouse")) {
                return n;
            }
        }
        return null;
    }

    private static void shoot(Node node, Path file) throws Exception {
        fx(() -> Snapshots.write(node, file));
        System.out.println("wrote " + file);
    }

    /** Lets layout, CSS and the per-frame batches run: a few pulses. */
    private static void settle() throws Exception {
        FxHeadless.awaitPulses(10);
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return FxHeadless.fx(c);
    }

    private static void await(Callable<Boolean> c) {
        FxHeadless.await(java.time.Duration.ofSeconds(120), c);
    }
}
