package dev.pilothouse.console.main;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.Background;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.ConsoleSettings;
import dev.pilothouse.console.FrameBatcher;
import dev.pilothouse.console.FxTicker;
import dev.pilothouse.console.metrics.UsageHistory;
import dev.pilothouse.console.NotificationCenter;
import dev.pilothouse.console.StartupTimes;
import dev.pilothouse.console.Themes;
import dev.pilothouse.console.WorkMonitor;
import dev.pilothouse.console.batches.BatchesWindow;
import dev.pilothouse.console.detail.DetailPane;
import dev.pilothouse.console.dialogs.AgentsDialog;
import dev.pilothouse.console.dialogs.CreateSessionDialog;
import dev.pilothouse.console.dialogs.ExportDialog;
import dev.pilothouse.console.dialogs.ImportDialog;
import dev.pilothouse.console.dialogs.RemixDialog;
import dev.pilothouse.console.dialogs.SaveTemplateDialog;
import dev.pilothouse.console.model.SelectionModel;
import dev.pilothouse.console.replay.ReplayWindow;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignK;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;
import org.kordamp.ikonli.materialdesign2.MaterialDesignW;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The main window (fxml/main.fxml): context chooser and actions, the live session table with its
 * filters, the detail pane, the banner for messages, the status bar. Engine events arrive through
 * a {@link FrameBatcher}: one batch, one table update per frame.
 */
public final class MainController {
    @FXML private StackPane root;
    @FXML private ToolBar toolbar;
    @FXML private Label contextIcon;
    @FXML private ComboBox<String> contextChooser;
    @FXML private TextField namespaceField;
    @FXML private Label connectionStatus;
    @FXML private Button newButton;
    @FXML private Button remixButton;
    @FXML private Button pauseButton;
    @FXML private Button resumeButton;
    @FXML private Button retryButton;
    @FXML private Button deleteButton;
    @FXML private Button purgeButton;
    @FXML private Button agentsButton;
    @FXML private Button batchesButton;
    @FXML private ToggleButton themeToggle;
    @FXML private Button shortcutsButton;
    @FXML private Button notificationsButton;
    @FXML private Button workButton;
    @FXML private javafx.scene.control.MenuButton appMenu;
    @FXML private HBox banner;
    @FXML private Label bannerText;
    @FXML private Button bannerClose;
    @FXML private StackPane centerStack;
    @FXML private SplitPane split;
    @FXML private TextField filterField;
    @FXML private HBox stateFilters;
    @FXML private CheckBox showDeleted;
    @FXML private TableView<SessionRow> table;
    @FXML private StackPane detailHolder;
    @FXML private ProgressIndicator busy;
    @FXML private Label statusText;
    @FXML private Label countLabel;
    @FXML private Label dataDirLabel;
    @FXML private StackPane overlay;

    private final SessionListModel model = new SessionListModel();
    private final Map<String, Consumer<EngineEvent.CopyProgressed>> copyWatchers = new java.util.concurrent.ConcurrentHashMap<>();
    private SessionTable sessions;
    private DetailPane detail;
    private Background background;
    private Console console;
    private FrameBatcher<EngineEvent> events;
    // what a frame of engine events gathered, applied at its end
    private final List<Session> frameChanges = new ArrayList<>();
    private final Map<String, List<AgentEvent>> frameStreamed = new LinkedHashMap<>();
    private final Map<String, String> frameStreamedAgent = new LinkedHashMap<>();
    /** Session changes heard while a context loads, applied over what it loaded. */
    private final List<Session> heardWhileSwitching = new ArrayList<>();
    /** Counts context switches asked for; only the last one asked for is shown. */
    private final java.util.concurrent.atomic.AtomicLong contextAsked = new java.util.concurrent.atomic.AtomicLong();
    /** The context whose sessions the table shows (null while one loads). */
    private String shownContext;
    private final Label placeholder = new Label("Opening the data dir…");
    private NotificationCenter notifications;
    private WorkMonitor work;
    private ConsoleSettings settings;
    private SessionActions actions;
    private dev.pilothouse.console.FilePicker files = dev.pilothouse.console.FilePicker.platform();
    /** Where the last bundle was exported to: the next export and import start there. */
    private Path bundleFolder = Path.of(System.getProperty("user.home"));
    private WelcomeView welcome;
    /** Recent CPU and memory of running sessions, polled every 5 s, for the table's sparklines. */
    private final UsageHistory usage = new UsageHistory();
    /** Ticks the table's ages every second and polls usage every fifth; stopped on close. */
    private FxTicker clock;
    private int ticks;

    @FXML
    void initialize() {
        background = new Background(n -> {
            busy.setVisible(n > 0);
        });
        sessions = new SessionTable(table, model, usage);
        notifications = new NotificationCenter(notificationsButton, root);
        work = new WorkMonitor(workButton);
        icons();
        for (SessionState s : SessionState.values()) {
            ToggleButton b = new ToggleButton(s.name());
            b.setId("filter-" + s.name());
            b.getStyleClass().add("small");
            b.selectedProperty().addListener((o, was, on) -> {
                if (on) {
                    sessions.stateFilter().add(s);
                } else {
                    sessions.stateFilter().remove(s);
                }
            });
            stateFilters.getChildren().add(b);
        }
        sessions.textFilter().bind(filterField.textProperty());
        sessions.showDeleted().bind(showDeleted.selectedProperty());
        table.getItems().addListener((ListChangeListener<SessionRow>) c -> {
            updateCount();
            syncPane();
        });
        bannerClose.setOnAction(e -> hideBanner());
        table.getSelectionModel().getSelectedIndices().addListener((ListChangeListener<Integer>) c -> syncPane());
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> syncPane());
        // a click on the row already selected shows it again, whatever the selection model said
        table.addEventHandler(javafx.scene.input.MouseEvent.MOUSE_CLICKED, e -> syncPane());
        placeholder.getStyleClass().add("muted");
        placeholder.setId("table-placeholder");
        table.setPlaceholder(placeholder);
        filterField.textProperty().addListener((o, a, b) -> updatePlaceholder());
        setEnabled(false);
        statusText.setText("Opening the data dir…");
    }

    private void icons() {
        contextIcon.setGraphic(new FontIcon(MaterialDesignS.SERVER_NETWORK));
        newButton.setGraphic(new FontIcon(MaterialDesignP.PLUS));
        remixButton.setGraphic(new FontIcon(MaterialDesignS.SOURCE_BRANCH));
        pauseButton.setGraphic(new FontIcon(MaterialDesignP.PAUSE));
        resumeButton.setGraphic(new FontIcon(MaterialDesignP.PLAY));
        retryButton.setGraphic(new FontIcon(MaterialDesignR.RESTART));
        deleteButton.setGraphic(new FontIcon(MaterialDesignD.DELETE_OUTLINE));
        purgeButton.setGraphic(new FontIcon(MaterialDesignD.DELETE_FOREVER_OUTLINE));
        agentsButton.setGraphic(new FontIcon(MaterialDesignA.ACCOUNT_COG_OUTLINE));
        batchesButton.setGraphic(new FontIcon(MaterialDesignF.FORMAT_LIST_CHECKS));
        shortcutsButton.setGraphic(new FontIcon(MaterialDesignK.KEYBOARD_OUTLINE));
        tip(newButton, "New session (Ctrl+N)");
        tip(remixButton, "Remix the selected session (Ctrl+R)");
        tip(pauseButton, "Pause the selected sessions (Ctrl+P)");
        tip(resumeButton, "Resume the selected sessions (Ctrl+Shift+P)");
        tip(retryButton, "Retry the selected sessions in ERROR (Ctrl+Shift+R)");
        tip(deleteButton, "Delete the selected sessions (Delete)");
        tip(purgeButton, "Purge the volumes of the selected deleted sessions, for good (Shift+Delete)");
        tip(agentsButton, "Agent definitions (Ctrl+Shift+A)");
        tip(batchesButton, "Batches and their progress (Ctrl+Shift+B)");
        tip(themeToggle, "Light / dark (Ctrl+Shift+L)");
        tip(shortcutsButton, "Keyboard shortcuts (F1)");
    }

    private static void tip(javafx.scene.control.Control c, String text) {
        c.setTooltip(new Tooltip(text));
    }

    /** Called once the window is built, before the engine is open. */
    public void init(ConsoleSettings settings, Path dataDir, dev.pilothouse.console.FolderOpener opener,
                     dev.pilothouse.console.FilePicker files) {
        this.settings = settings;
        this.files = files;
        AppMenu.fill(appMenu, dataDir, opener, background, this::toggleShortcuts, this::openImport, notifications::error,
                notifications::info);
        dataDirLabel.setText(dataDir.toString());
        namespaceField.setText(settings.namespace);
        themeToggle.setSelected(settings.dark);
        themeToggle.setGraphic(new FontIcon(settings.dark ? MaterialDesignW.WEATHER_SUNNY : MaterialDesignW.WEATHER_NIGHT));
        themeToggle.selectedProperty().addListener((o, a, dark) -> setDark(dark));
        split.setDividerPositions(settings.tableDivider);
        split.getDividers().get(0).positionProperty().addListener((o, a, b) -> settings.tableDivider = b.doubleValue());
        namespaceField.textProperty().addListener((o, a, b) -> settings.namespace = b);
    }

    /** The data dir could not be opened: say why where the operator is looking. */
    public void engineFailed(String message) {
        statusText.setText("Not connected");
        showBanner(message, true);
    }

    /** The engine is open: subscribe, list the contexts and load the chosen one, all off the FX thread. */
    public void engineReady(EngineOperations engine) {
        console = new Console(engine, background, model, this::select, notifications, work);
        actions = new SessionActions(console, root);
        events = new FrameBatcher<>(this::onEvent, this::endOfFrame);
        events.start();
        clock = new FxTicker(Duration.ofSeconds(1), () -> {
            sessions.tick(Instant.now());
            if (ticks++ % 5 == 0) {
                console.poll(() -> console.engine().readings(), usage::add);
            }
        });
        clock.play();
        wireActions();
        table.setContextMenu(SessionMenu.build(this, actions));
        welcome = new WelcomeView(this::openCreate, this::openAgents);
        welcome.node().setVisible(false);
        centerStack.getChildren().add(welcome.node());
        model.rows().addListener((ListChangeListener<SessionRow>) c -> updateWelcome());
        String requested = settings.requestedContext;
        String remembered = requested != null ? requested : settings.context;
        console.run("list the contexts", () -> {
            EngineOperations e = console.engine();
            e.subscribe(events::add);
            List<String> contexts = e.contexts();
            return new Contexts(contexts, contexts.contains(remembered) ? remembered : e.context());
        }, found -> {
            if (requested != null && !found.all().contains(requested)) {
                console.notifier().error("No context '" + requested + "' (from --context); the contexts are "
                        + String.join(", ", found.all()) + ": local and those of the kubeconfig ($KUBECONFIG, else "
                        + "~/.kube/config). Showing '" + found.wanted() + "'.");
            }
            contextChooser.getItems().setAll(found.all());
            contextChooser.setValue(found.wanted());
            contextChooser.valueProperty().addListener((o, a, b) -> {
                if (b != null && !b.equals(a)) {
                    switchContext(b);
                }
            });
            setEnabled(true);
            switchContext(found.wanted());
        });
    }

    private record Contexts(List<String> all, String wanted) {
    }

    private void wireActions() {
        newButton.setOnAction(e -> openCreate());
        remixButton.setOnAction(e -> openRemix());
        pauseButton.setOnAction(e -> actions.pause(selected()));
        resumeButton.setOnAction(e -> actions.resume(selected()));
        retryButton.setOnAction(e -> actions.retry(selected()));
        deleteButton.setOnAction(e -> actions.delete(selected()));
        purgeButton.setOnAction(e -> actions.purge(selected()));
        agentsButton.setOnAction(e -> openAgents());
        batchesButton.setOnAction(e -> openBatches());
        shortcutsButton.setOnAction(e -> toggleShortcuts());
    }

    /** Keyboard shortcuts for every common action; listed by {@link ShortcutOverlay}. */
    public void installShortcuts(Scene scene) {
        Map<KeyCombination, Runnable> keys = scene.getAccelerators();
        keys.put(KeyCombination.keyCombination("Shortcut+N"), this::openCreate);
        keys.put(KeyCombination.keyCombination("Shortcut+R"), this::openRemix);
        keys.put(KeyCombination.keyCombination("Shortcut+P"), () -> actions.pause(selected()));
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+P"), () -> actions.resume(selected()));
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+R"), () -> actions.retry(selected()));
        keys.put(KeyCombination.keyCombination("Delete"), () -> {
            if (table.isFocused()) {
                actions.delete(selected());
            }
        });
        keys.put(KeyCombination.keyCombination("Shift+Delete"), () -> actions.purge(selected()));
        keys.put(KeyCombination.keyCombination("Shortcut+F"), () -> filterField.requestFocus());
        // focus starts in the table (the namespace field would take it, its text selected)
        javafx.application.Platform.runLater(table::requestFocus);
        keys.put(KeyCombination.keyCombination("Shortcut+K"), () -> {
            contextChooser.requestFocus();
            contextChooser.show();
        });
        keys.put(KeyCombination.keyCombination("Shortcut+D"), () -> showDeleted.setSelected(!showDeleted.isSelected()));
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+A"), this::openAgents);
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+B"), this::openBatches);
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+L"), () -> themeToggle.setSelected(!themeToggle.isSelected()));
        keys.put(KeyCombination.keyCombination("F5"), () -> switchContext(contextChooser.getValue()));
        keys.put(KeyCombination.keyCombination("F1"), this::toggleShortcuts);
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+N"), () -> notifications.toggle());
        keys.put(KeyCombination.keyCombination("Shortcut+L"), () -> table.requestFocus());
        for (int i = 1; i <= 7; i++) {
            int tab = i - 1;
            keys.put(KeyCombination.keyCombination("Shortcut+" + i), () -> {
                if (detail() != null) {
                    detail.selectTab(tab);
                }
            });
        }
        scene.addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ESCAPE && overlay.isVisible()) {
                toggleShortcuts();
                e.consume();
            } else if (e.getCode() == KeyCode.SLASH && e.isShiftDown() && !(e.getTarget() instanceof TextField)
                    && !(e.getTarget() instanceof javafx.scene.control.TextArea)) {
                toggleShortcuts();
                e.consume();
            }
        });
    }

    private void toggleShortcuts() {
        if (overlay.isVisible()) {
            overlay.setVisible(false);
            overlay.getChildren().clear();
        } else {
            overlay.getChildren().setAll(ShortcutOverlay.build());
            overlay.setVisible(true);
            overlay.setOnMouseClicked(e -> toggleShortcuts());
        }
    }

    /** One engine event of a frame; what it changes is applied at the frame's end. */
    private void onEvent(EngineEvent e) {
        if (e instanceof EngineEvent.SessionChanged c) {
            if (shownContext == null) {
                heardWhileSwitching.add(c.session());
            } else if (c.session().context().equals(shownContext)) {
                frameChanges.add(c.session());
            }
        } else if (e instanceof EngineEvent.ReplyStreamed r) {
            frameStreamed.computeIfAbsent(r.sessionId(), k -> new ArrayList<>()).add(r.event());
            frameStreamedAgent.put(r.sessionId(), r.agent());
        } else if (e instanceof EngineEvent.CopyProgressed p) {
            Consumer<EngineEvent.CopyProgressed> w = copyWatchers.get(p.sessionId());
            if (w != null) {
                w.accept(p);
            }
        } else if (e instanceof EngineEvent.Notice n) {
            console.notifier().info(n.message());
        } else if (e instanceof EngineEvent.ConnectionChanged cc && cc.context().equals(shownContext)) {
            showConnection(cc.context(), cc.status());
        }
    }

    private void endOfFrame() {
        try {
            if (!frameChanges.isEmpty()) {
                model.apply(frameChanges);
                updateCount();
                Session shown = detail == null ? null : detail.shown();
                // the detail pane shows the session and its children: redraw it only when they change
                if (shown != null && frameChanges.stream().anyMatch(s -> s.id().equals(shown.id())
                        || shown.id().equals(s.parentSessionId()))) {
                    model.get(shown.id()).ifPresent(detail::show);
                }
            }
            syncPane();
            if (detail != null) { // without it no conversation is shown: one shown later is read from the engine
                frameStreamed.forEach((id, pieces) -> detail.streamed(id, frameStreamedAgent.get(id), pieces));
            }
        } finally {
            frameChanges.clear();
            frameStreamed.clear();
            frameStreamedAgent.clear();
        }
    }

    /**
     * Shows a context's sessions. The table empties at once (a loading placeholder, never the
     * previous context's rows under the new name); switches run one at a time in the order asked
     * and a switch already superseded is skipped, so the last context chosen is the one the
     * engine uses and the table shows.
     */
    private void switchContext(String context) {
        if (context == null) {
            return;
        }
        long ask = contextAsked.incrementAndGet();
        shownContext = null;
        heardWhileSwitching.clear();
        model.setAll(List.of());
        updatePlaceholder();
        syncPane();
        statusText.setText("Connecting to " + context + "…");
        connectionStatus.setText("");
        settings.context = context;
        console.runInOrder(() -> {
            if (ask != contextAsked.get()) {
                return null;
            }
            EngineOperations e = console.engine();
            e.useContext(context);
            return new ContextView(e.sessions(true), e.connection(context), e.via(), namespaceOf(e));
        }, view -> {
            if (ask != contextAsked.get() || view == null) {
                return;
            }
            shownContext = context;
            // empty: new sessions go to the context's own namespace, shown greyed in the field
            namespaceField.setPromptText(view.namespace() == null ? "namespace" : view.namespace());
            model.setAll(view.sessions());
            model.apply(heardWhileSwitching.stream().filter(s -> s.context().equals(context)).toList());
            heardWhileSwitching.clear();
            if (detail == null) {
                StartupTimes.tableFilled(model.rows().size());
                StartupTimes.afterNextFrame(this::detail); // built once the table is on screen, before a click needs it
            }
            updatePlaceholder();
            updateWelcome();
            syncPane();
            statusText.setText("Context " + context + (view.via() == null ? "" : " · " + view.via()));
            showConnection(context, view.connection());
        }, message -> {
            if (ask == contextAsked.get()) {
                shownContext = context;
                heardWhileSwitching.clear();
                updatePlaceholder();
                statusText.setText("Not connected to " + context);
                console.notifier().error("Could not switch to context '" + context + "': " + message);
            }
        });
    }

    private void openBatches() {
        new BatchesWindow(console, root.getScene().getWindow(), settings.dark).show();
    }

    private void openAgents() {
        new AgentsDialog(console, root.getScene().getWindow(), settings.dark).show();
    }

    /** An empty context shows the welcome view instead of an empty table. */
    private void updateWelcome() {
        boolean empty = model.rows().isEmpty() && shownContext != null;
        if (empty) {
            welcome.show(console, contextChooser.getValue(), namespaceField.getText().isBlank() ? null : namespaceField.getText().trim(),
                    List.copyOf(contextChooser.getItems()), this::selectNew);
        }
        welcome.node().setVisible(empty);
        split.setVisible(!empty);
    }

    private record ContextView(List<Session> sessions, dev.pilothouse.runtime.ConnectionStatus connection, String via,
                               String namespace) {
    }

    /** Where a new session goes when the namespace field is left empty; null when the engine cannot say now. */
    private static String namespaceOf(EngineOperations e) {
        try {
            return e.namespace();
        } catch (RuntimeException cannotSay) {
            return null;
        }
    }

    /** The connection status beside the context chooser: its state, and why when it is not connected. */
    private void showConnection(String context, dev.pilothouse.runtime.ConnectionStatus status) {
        boolean local = context.equals(Engine.LOCAL_CONTEXT);
        // connected without some permission: short enough for the toolbar; the tooltip names what is missing
        connectionStatus.setText("● " + (local ? "local runtime" : status.connected() && !status.missing().isEmpty()
                ? "limited access" : status.describe()));
        // connected without some permission: sessions show, and the operations needing it are refused
        String style = status.connected() ? (status.missing().isEmpty() ? "connection-ok" : "connection-warn")
                : status.state() == dev.pilothouse.runtime.ConnectionStatus.State.CHECKING ? "muted" : "connection-bad";
        connectionStatus.getStyleClass().setAll("label", style);
        connectionStatus.setTooltip(new Tooltip(local ? "Sessions run as processes on this workstation"
                : status.describe() + (status.missing().isEmpty() ? "" : "\nMissing: " + String.join(", ", status.missing()))
                + "\nChecked " + status.checkedAt()));
    }

    /**
     * The pane is the selection: shows the one selected session (nothing for none or several)
     * and sets the toolbar from the selection. Called on every change of the selection and of the
     * rows shown (delete, purge, filter, sort, a session vanishing, a context switch), so a row
     * that leaves takes the pane with it.
     */
    private void syncPane() {
        if (console == null) {
            return;
        }
        Session one = SelectionModel.shown(selected());
        Session shown = detail == null ? null : detail.shown();
        if (one == null) {
            if (shown != null) {
                detail.show(null);
            }
        } else if (shown == null || !shown.id().equals(one.id()) || shown.version() < one.version()) {
            detail().show(one);
        }
        updateButtons();
    }

    /** The selected sessions, read from the selected indices: always rows the table shows. */
    List<Session> selected() {
        List<SessionRow> items = table.getItems();
        List<Session> out = new ArrayList<>();
        for (Integer i : table.getSelectionModel().getSelectedIndices()) {
            if (i != null && i >= 0 && i < items.size()) {
                out.add(items.get(i).session());
            }
        }
        return out;
    }

    private void updateButtons() {
        if (shownContext == null && console != null) {
            for (Button b : List.of(remixButton, pauseButton, resumeButton, retryButton, deleteButton, purgeButton)) {
                b.setDisable(true);
            }
            return;
        }
        SelectionModel.Availability can = SelectionModel.of(selected());
        pauseButton.setDisable(!can.pause());
        resumeButton.setDisable(!can.resume());
        retryButton.setDisable(!can.retry());
        remixButton.setDisable(!can.remix());
        deleteButton.setDisable(!can.delete());
        purgeButton.setDisable(!can.purge());
    }

    /** What the empty table says: loading, nothing matches the filter, or nothing yet. */
    private void updatePlaceholder() {
        String ctx = contextChooser.getValue();
        if (console == null) {
            placeholder.setText("Opening the data dir…");
        } else if (shownContext == null) {
            placeholder.setText("Loading the sessions of " + (ctx == null ? "the context" : ctx) + "…");
        } else if (!model.rows().isEmpty()) {
            placeholder.setText("No session matches the filter");
        } else {
            placeholder.setText("No sessions in " + shownContext);
        }
    }

    /** Selects a session by id, revealing deleted ones if needed. */
    public void select(String id) {
        model.get(id).ifPresent(s -> {
            if (s.deleted() && !showDeleted.isSelected()) {
                showDeleted.setSelected(true);
            }
            filterField.clear();
            sessions.stateFilter().clear();
            stateFilters.getChildren().forEach(n -> ((ToggleButton) n).setSelected(false));
            for (int i = 0; i < table.getItems().size(); i++) {
                if (table.getItems().get(i).id().equals(id)) {
                    table.getSelectionModel().clearAndSelect(i);
                    table.scrollTo(i);
                    return;
                }
            }
        });
    }

    /** Shows and selects a session this window just made (its event may still be on its way). */
    private void selectNew(Session s) {
        if (!s.context().equals(shownContext)) {
            return;
        }
        model.apply(List.of(s));
        select(s.id());
    }

    private void openCreate() {
        if (console == null || shownContext == null) {
            return;
        }
        new CreateSessionDialog(console, root.getScene().getWindow(), settings.dark, contextChooser.getValue(),
                namespaceField.getText()).show(this::selectNew);
    }

    private void openRemix() {
        List<Session> picked = selected();
        if (console == null || picked.size() != 1) {
            return;
        }
        RemixDialog dialog = new RemixDialog(console, root.getScene().getWindow(), settings.dark, picked.get(0));
        dialog.show(copyWatchers, this::selectNew);
    }

    /** Import bundle… (⋮ menu): a new session from a bundle file, selected once it is made. */
    private void openImport() {
        if (console == null || shownContext == null) {
            return;
        }
        new ImportDialog(console, root.getScene().getWindow(), settings.dark, shownContext, files, bundleFolder)
                .show(this::selectNew);
    }

    private void setDark(boolean dark) {
        settings.dark = dark;
        Themes.apply(dark);
        Themes.style(root.getScene(), dark);
        themeToggle.setGraphic(new FontIcon(dark ? MaterialDesignW.WEATHER_SUNNY : MaterialDesignW.WEATHER_NIGHT));
    }

    private void showBanner(String message, boolean error) {
        bannerText.setText(message);
        banner.getStyleClass().setAll("banner");
        if (!error) {
            banner.getStyleClass().add("info");
        }
        bannerText.setGraphic(new FontIcon(error ? MaterialDesignA.ALERT_CIRCLE_OUTLINE : MaterialDesignC.CHECK_CIRCLE_OUTLINE));
        banner.setVisible(true);
        banner.setManaged(true);
    }

    private void hideBanner() {
        banner.setVisible(false);
        banner.setManaged(false);
    }

    private void updateCount() {
        countLabel.setText(sessions.shown() + " shown · " + model.liveCount() + " live · " + model.rows().size() + " in all");
    }

    private void setEnabled(boolean on) {
        for (javafx.scene.Node n : List.of(newButton, agentsButton, contextChooser, filterField)) {
            n.setDisable(!on);
        }
        if (!on) {
            for (Button b : List.of(remixButton, pauseButton, resumeButton, retryButton, deleteButton, purgeButton)) {
                b.setDisable(true);
            }
        }
    }

    /** Saves what the window remembers. */
    public void close() {
        if (clock != null) {
            clock.stop();
        }
        work.close();
        if (events != null) {
            events.stop();
        }
        background.close();
        settings.save();
    }

    // ---- for tests and screenshots ---------------------------------------------------------

    /** The rows the table shows, in its order (filters and sort applied). */
    public List<SessionRow> shownRows() {
        return table.getItems();
    }

    public SessionListModel model() {
        return model;
    }

    /**
     * The detail pane, built on first use: building its seven tabs and their first CSS pass and
     * layout held the FX thread for most of a second before the table could show
     * (docs/performance.md, "Start-up"). Null until the engine is open.
     */
    public DetailPane detail() {
        if (detail == null && console != null) {
            detail = new DetailPane(console);
            detailHolder.getChildren().setAll(detail);
        }
        return detail;
    }

    /** Every notification so far, newest first (what the bell's history lists). */
    public List<String> messages() {
        return notifications.history().stream().map(NotificationCenter.Entry::text).toList();
    }

    /** What the window's parts share (null until the engine is open). */
    public Console console() {
        return console;
    }

    // ---- for the context menu ----------------------------------------------------------------

    void remixSelected() {
        openRemix();
    }

    /** "Save as template…" on the one session selected. */
    void saveSelectedAsTemplate() {
        List<Session> picked = selected();
        if (console != null && picked.size() == 1) {
            new SaveTemplateDialog(console, root.getScene().getWindow(), settings.dark, picked.get(0)).show();
        }
    }

    /** "Replay…" on the one session selected: its history in a window of its own. */
    void replaySelected() {
        List<Session> picked = selected();
        if (console != null && picked.size() == 1) {
            new ReplayWindow(console, root.getScene().getWindow(), settings.dark, picked.get(0)).show();
        }
    }

    /** "Export…" on the one session selected: it as one bundle file. */
    void exportSelected() {
        List<Session> picked = selected();
        if (console != null && picked.size() == 1) {
            new ExportDialog(console, root.getScene().getWindow(), settings.dark, picked.get(0), files, bundleFolder)
                    .show(written -> bundleFolder = written.getParent());
        }
    }

    /** Shows the Overview tab, whose Lineage section lists the parent and children. */
    void showLineage() {
        if (detail() != null) {
            detail.selectTab(0);
            detail.revealLineage();
        }
    }
}
