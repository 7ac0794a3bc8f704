package dev.pilothouse.console;

import dev.pilothouse.console.main.SessionRow;
import javafx.scene.control.Button;
import java.util.List;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Session;
import javafx.scene.Node;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationTest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real console window on a fresh data dir, driven through the UI. After each test the
 * window closes and every agent process of the data dir is stopped.
 */
public abstract class ConsoleTestBase extends ApplicationTest {
    @TempDir
    protected Path dataDir;
    protected ConsoleWindow window;
    protected final FxRobot robot = this;
    /** Folders the window asked the desktop to open. */
    protected final java.util.List<Path> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Whether the pretend desktop has something that opens folders. */
    protected volatile boolean desktopOpensFolders = true;
    /** What the pretend file choosers answer: the file to save to, the file to open; null is a cancel. */
    protected final java.util.concurrent.atomic.AtomicReference<Path> saveAsAnswer = new java.util.concurrent.atomic.AtomicReference<>();
    protected final java.util.concurrent.atomic.AtomicReference<Path> openAnswer = new java.util.concurrent.atomic.AtomicReference<>();

    @Override
    public void start(Stage stage) {
        window = ConsoleWindow.show(stage, dataDir, engineOpener(), folder -> {
            opened.add(folder);
            return desktopOpensFolders;
        }, new FilePicker() {
            @Override
            public java.util.Optional<Path> saveAs(javafx.stage.Window owner, String title, Path suggested) {
                return java.util.Optional.ofNullable(saveAsAnswer.get());
            }

            @Override
            public java.util.Optional<Path> open(javafx.stage.Window owner, String title, Path folder) {
                return java.util.Optional.ofNullable(openAnswer.get());
            }
        });
    }

    /** How the window's engine opens; tests may add contexts. */
    protected Supplier<EngineOperations> engineOpener() {
        return () -> Engine.open(EngineConfig.of(dataDir).withBackground(true));
    }

    protected void awaitReady() {
        await().atMost(Duration.ofSeconds(60)).until(() -> window.engine() != null
                && !robot.lookup("#new-session").query().isDisabled());
    }

    protected Engine engine() {
        return (Engine) window.engine(); // the console's own engine in these tests
    }

    @SuppressWarnings("unchecked")
    protected TableView<SessionRow> table() {
        return (TableView<SessionRow>) window.stage().getScene().lookup("#sessions");
    }

    protected Session selected() {
        SessionRow r = table().getSelectionModel().getSelectedItem();
        return r == null ? null : r.session();
    }

    protected <T extends Node> T node(String query) {
        return robot.lookup(query).query();
    }

    /** The row shown for a session name, as the operator sees it in the table. */
    protected Session shownRow(String name) {
        return table().getItems().stream().map(SessionRow::session).filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Looks nodes up on the FX thread: a lookup walks every children list of the scene, and a walk
     * from the test's thread while the FX thread adds or removes nodes (the table making rows, a
     * tab filling) fails with an IndexOutOfBoundsException inside JavaFX. Clicks find their target
     * through this method too.
     */
    @Override
    public org.testfx.service.query.NodeQuery lookup(String query) {
        if (javafx.application.Platform.isFxApplicationThread()) {
            return super.lookup(query);
        }
        return onFx(() -> super.lookup(query));
    }

    /** The state badge the table draws for a session name (what the operator reads), or null. */
    protected String drawnState(String name) {
        return onFx(() -> drawnStateOnFx(name));
    }

    private String drawnStateOnFx(String name) {
        return table().lookupAll(".table-row-cell").stream()
                .filter(n -> n instanceof javafx.scene.control.TableRow<?> r && r.getItem() instanceof SessionRow row
                        && row.session().name().equals(name) && r.isVisible())
                .map(n -> n.lookup(".state-badge"))
                .filter(b -> b instanceof javafx.scene.control.Label)
                .map(b -> ((javafx.scene.control.Label) b).getText())
                .findFirst().orElse(null);
    }

    /** Clicks the table row showing a session name, as an operator would. */
    protected void clickRow(String name) {
        Node cell = onFx(() -> table().lookupAll(".table-cell").stream()
                .filter(n -> n instanceof javafx.scene.control.TableCell<?, ?> c && name.equals(c.getText())
                        && c.getScene() != null && c.isVisible() && c.getTableRow() != null && c.getTableRow().isVisible())
                .findFirst().orElseThrow(() -> new AssertionError("no row shows '" + name + "'")));
        robot.clickOn(cell);
    }

    /**
     * Waits until the pane shows exactly the single selected session (nothing when the selection is
     * not one session), and the selection is among the rows shown; {@code expected}, when given,
     * is the name that must be selected.
     */
    protected void awaitPaneIsSelection(String expected) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<Session> picked = onFx(() -> table().getSelectionModel().getSelectedItems().stream()
                    .map(SessionRow::session).toList());
            Session shown = onFx(() -> window.controller().detail().shown());
            List<String> rows = onFx(() -> table().getItems().stream().map(r -> r.session().id()).toList());
            assertThat(rows).as("selected rows are shown").containsAll(picked.stream().map(Session::id).toList());
            if (picked.size() == 1) {
                assertThat(shown).as("pane shows the selected session").isNotNull();
                assertThat(shown.id()).isEqualTo(picked.get(0).id());
                if (expected != null) {
                    assertThat(shown.name()).isEqualTo(expected);
                }
            } else {
                assertThat(shown).as("pane shows nothing for %d selected", picked.size()).isNull();
                assertThat(expected).isNull();
            }
            boolean deleteEnabled = picked.stream().anyMatch(s -> !s.deleted());
            assertThat(onFx(() -> lookup("#delete").query().isDisabled())).isEqualTo(!deleteEnabled);
        });
    }

    protected void confirm(String button) {
        await().until(() -> lookup("#confirm-dialog").tryQuery().isPresent());
        Button b = lookup("#confirm-dialog").lookup(".button").queryAllAs(Button.class).stream()
                .filter(x -> x.getText().equals(button)).findFirst().orElseThrow();
        clickOn(b);
    }

    /** Runs on the FX thread and returns its answer. */
    protected static <T> T onFx(java.util.concurrent.Callable<T> c) {
        try {
            return org.testfx.util.WaitForAsyncUtils.asyncFx(c).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    protected void snapshot(Node node, String file) {
        robot.interact(() -> Snapshots.write(node, Path.of("target/snapshots", file)));
    }

    @org.junit.jupiter.api.BeforeEach
    void forgetFxThreadCalls() {
        Console.FX_THREAD_CALLS.clear();
    }

    @AfterEach
    void noEngineCallOnTheFxThread() {
        assertThat(Console.FX_THREAD_CALLS).as("engine calls on the FX thread").isEmpty();
    }

    @AfterEach
    void closeWindow() {
        if (window != null) {
            interact(() -> window.close());
        }
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }
}
