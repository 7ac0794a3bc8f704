package dev.pilothouse.console.main;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.Background;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.ConsoleSettings;
import dev.pilothouse.console.FrameBatcher;
import dev.pilothouse.console.Themes;
import dev.pilothouse.console.detail.DetailPane;
import dev.pilothouse.console.dialogs.AgentsDialog;
import dev.pilothouse.console.dialogs.CreateSessionDialog;
import dev.pilothouse.console.dialogs.RemixDialog;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
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
import javafx.util.Duration;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignK;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;
import org.kordamp.ikonli.materialdesign2.MaterialDesignW;

import java.nio.file.Path;
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
    @FXML private Button agentsButton;
    @FXML private ToggleButton themeToggle;
    @FXML private Button shortcutsButton;
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
    private Engine engine;
    private FrameBatcher<EngineEvent> events;
    private final List<EngineEvent> frame = new ArrayList<>();
    private ConsoleSettings settings;
    private SessionActions actions;
    private boolean switchingContext;
    private WelcomeView welcome;

    @FXML
    void initialize() {
        background = new Background(n -> {
            busy.setVisible(n > 0);
        });
        sessions = new SessionTable(table, model);
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
        table.getItems().addListener((ListChangeListener<SessionRow>) c -> updateCount());
        bannerClose.setOnAction(e -> hideBanner());
        table.getSelectionModel().getSelectedItems().addListener((ListChangeListener<SessionRow>) c -> selectionChanged());
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
        agentsButton.setGraphic(new FontIcon(MaterialDesignA.ACCOUNT_COG_OUTLINE));
        shortcutsButton.setGraphic(new FontIcon(MaterialDesignK.KEYBOARD_OUTLINE));
        tip(newButton, "New session (Ctrl+N)");
        tip(remixButton, "Remix the selected session (Ctrl+R)");
        tip(pauseButton, "Pause the selected sessions (Ctrl+P)");
        tip(resumeButton, "Resume the selected sessions (Ctrl+Shift+P)");
        tip(retryButton, "Retry the selected sessions in ERROR (Ctrl+Shift+R)");
        tip(deleteButton, "Delete the selected sessions (Delete)");
        tip(agentsButton, "Agent definitions (Ctrl+Shift+A)");
        tip(themeToggle, "Light / dark (Ctrl+Shift+L)");
        tip(shortcutsButton, "Keyboard shortcuts (F1)");
    }

    private static void tip(javafx.scene.control.Control c, String text) {
        c.setTooltip(new Tooltip(text));
    }

    /** Called once the window is built, before the engine is open. */
    public void init(ConsoleSettings settings, Path dataDir, dev.pilothouse.console.FolderOpener opener) {
        this.settings = settings;
        AppMenu.fill(appMenu, dataDir, opener, background, this::toggleShortcuts, m -> showBanner(m, true));
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

    /** The engine is open: load, subscribe, and enable the window. */
    public void engineReady(Engine engine) {
        this.engine = engine;
        console = new Console(engine, background, model, this::select, new Console.Notifier() {
            @Override
            public void error(String message) {
                showBanner(message, true);
            }

            @Override
            public void info(String message) {
                showBanner(message, false);
            }
        });
        actions = new SessionActions(console, root);
        detail = new DetailPane(console);
        detailHolder.getChildren().setAll(detail);
        events = new FrameBatcher<>(frame::add, () -> { List<EngineEvent> b = new ArrayList<>(frame); frame.clear(); onFrame(b); });
        events.start();
        engine.subscribe(events::add);
        Timeline clock = new Timeline(new KeyFrame(Duration.seconds(1), e -> sessions.tick(Instant.now())));
        clock.setCycleCount(Timeline.INDEFINITE);
        clock.play();
        wireActions();
        welcome = new WelcomeView(this::openCreate, this::openAgents);
        welcome.node().setVisible(false);
        centerStack.getChildren().add(welcome.node());
        model.rows().addListener((ListChangeListener<SessionRow>) c -> updateWelcome());
        List<String> contexts = engine.contexts();
        contextChooser.getItems().setAll(contexts);
        String wanted = contexts.contains(settings.context) ? settings.context : engine.context();
        contextChooser.setValue(wanted);
        contextChooser.valueProperty().addListener((o, a, b) -> {
            if (b != null && !b.equals(a)) {
                switchContext(b);
            }
        });
        setEnabled(true);
        switchContext(wanted);
    }

    private void wireActions() {
        newButton.setOnAction(e -> openCreate());
        remixButton.setOnAction(e -> openRemix());
        pauseButton.setOnAction(e -> actions.pause(selected()));
        resumeButton.setOnAction(e -> actions.resume(selected()));
        retryButton.setOnAction(e -> actions.retry(selected()));
        deleteButton.setOnAction(e -> actions.delete(selected()));
        agentsButton.setOnAction(e -> openAgents());
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
        keys.put(KeyCombination.keyCombination("Shortcut+K"), () -> {
            contextChooser.requestFocus();
            contextChooser.show();
        });
        keys.put(KeyCombination.keyCombination("Shortcut+D"), () -> showDeleted.setSelected(!showDeleted.isSelected()));
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+A"), this::openAgents);
        keys.put(KeyCombination.keyCombination("Shortcut+Shift+L"), () -> themeToggle.setSelected(!themeToggle.isSelected()));
        keys.put(KeyCombination.keyCombination("F5"), () -> switchContext(contextChooser.getValue()));
        keys.put(KeyCombination.keyCombination("F1"), this::toggleShortcuts);
        keys.put(KeyCombination.keyCombination("Shortcut+L"), () -> table.requestFocus());
        for (int i = 1; i <= 5; i++) {
            int tab = i - 1;
            keys.put(KeyCombination.keyCombination("Shortcut+" + i), () -> detail.selectTab(tab));
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

    private void onFrame(List<EngineEvent> batch) {
        List<Session> changed = new ArrayList<>();
        Map<String, List<AgentEvent>> streamed = new LinkedHashMap<>();
        Map<String, String> streamedAgent = new LinkedHashMap<>();
        for (EngineEvent e : batch) {
            if (e instanceof EngineEvent.SessionChanged c) {
                if (!switchingContext && c.session().context().equals(contextChooser.getValue())) {
                    changed.add(c.session());
                }
            } else if (e instanceof EngineEvent.ReplyStreamed r) {
                streamed.computeIfAbsent(r.sessionId(), k -> new ArrayList<>()).add(r.event());
                streamedAgent.put(r.sessionId(), r.agent());
            } else if (e instanceof EngineEvent.CopyProgressed p) {
                Consumer<EngineEvent.CopyProgressed> w = copyWatchers.get(p.sessionId());
                if (w != null) {
                    w.accept(p);
                }
            } else if (e instanceof EngineEvent.Notice n) {
                showBanner(n.message(), false);
            } else if (e instanceof EngineEvent.ConnectionChanged cc && cc.context().equals(contextChooser.getValue())) {
                showConnection(cc.context(), cc.status());
            }
        }
        if (!changed.isEmpty()) {
            model.apply(changed);
            updateCount();
            Session shown = detail.shown();
            // the detail pane shows the session and its children: redraw it only when they change
            if (shown != null && changed.stream().anyMatch(s -> s.id().equals(shown.id())
                    || shown.id().equals(s.parentSessionId()))) {
                model.get(shown.id()).ifPresent(detail::show);
            }
            updateButtons();
        }
        streamed.forEach((id, pieces) -> detail.streamed(id, streamedAgent.get(id), pieces));
    }

    private void switchContext(String context) {
        if (context == null) {
            return;
        }
        switchingContext = true;
        statusText.setText("Connecting to " + context + "…");
        connectionStatus.setText("");
        settings.context = context;
        console.run("switch to context '" + context + "'", () -> {
            engine.useContext(context);
            return new ContextView(engine.sessions(true), engine.connection(context));
        }, view -> {
            switchingContext = false;
            model.setAll(view.sessions());
            updateWelcome();
            detail.show(null);
            statusText.setText("Context " + context);
            showConnection(context, view.connection());
            updateButtons();
        });
    }

    private void openAgents() {
        new AgentsDialog(console, root.getScene().getWindow(), settings.dark).show();
    }

    /** An empty context shows the welcome view instead of an empty table. */
    private void updateWelcome() {
        boolean empty = model.rows().isEmpty() && !switchingContext;
        if (empty) {
            welcome.show(console, contextChooser.getValue(), namespaceField.getText().isBlank() ? null : namespaceField.getText().trim(),
                    List.copyOf(contextChooser.getItems()), this::selectNew);
        }
        welcome.node().setVisible(empty);
        split.setVisible(!empty);
    }

    private record ContextView(List<Session> sessions, dev.pilothouse.runtime.ConnectionStatus connection) {
    }

    /** The connection status beside the context chooser: its state, and why when it is not connected. */
    private void showConnection(String context, dev.pilothouse.runtime.ConnectionStatus status) {
        boolean local = context.equals(dev.pilothouse.runtime.local.LocalRuntime.CONTEXT);
        connectionStatus.setText("● " + (local ? "local runtime" : status.describe()));
        String style = status.connected() ? "connection-ok"
                : status.state() == dev.pilothouse.runtime.ConnectionStatus.State.CHECKING ? "muted" : "connection-bad";
        connectionStatus.getStyleClass().setAll("label", style);
        connectionStatus.setTooltip(new Tooltip(local ? "Sessions run as processes on this workstation"
                : status.describe() + (status.missing().isEmpty() ? "" : "\nMissing: " + String.join(", ", status.missing()))
                + "\nChecked " + status.checkedAt()));
    }

    private void selectionChanged() {
        List<Session> picked = selected();
        detail.show(picked.size() == 1 ? picked.get(0) : null);
        updateButtons();
    }

    private List<Session> selected() {
        return table.getSelectionModel().getSelectedItems().stream().map(SessionRow::session).toList();
    }

    private void updateButtons() {
        List<Session> picked = selected();
        boolean any = !picked.isEmpty();
        pauseButton.setDisable(picked.stream().noneMatch(s -> s.state() == SessionState.READY && !s.deleted()));
        resumeButton.setDisable(picked.stream().noneMatch(s -> s.state() == SessionState.IDLE && !s.deleted() && !s.completed()));
        retryButton.setDisable(picked.stream().noneMatch(s -> s.state() == SessionState.ERROR && !s.deleted() && !s.completed()));
        remixButton.setDisable(picked.size() != 1 || picked.get(0).purged());
        deleteButton.setDisable(!any || picked.stream().allMatch(Session::deleted));
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
        model.apply(List.of(s));
        select(s.id());
    }

    private void openCreate() {
        if (engine == null) {
            return;
        }
        new CreateSessionDialog(console, root.getScene().getWindow(), settings.dark, contextChooser.getValue(),
                namespaceField.getText()).show(this::selectNew);
    }

    private void openRemix() {
        List<Session> picked = selected();
        if (engine == null || picked.size() != 1) {
            return;
        }
        RemixDialog dialog = new RemixDialog(console, root.getScene().getWindow(), settings.dark, picked.get(0));
        dialog.show(copyWatchers, this::selectNew);
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
        for (javafx.scene.Node n : List.of(newButton, agentsButton, contextChooser, table, filterField)) {
            n.setDisable(!on);
        }
        if (!on) {
            for (Button b : List.of(remixButton, pauseButton, resumeButton, retryButton, deleteButton)) {
                b.setDisable(true);
            }
        }
    }

    /** Saves what the window remembers. */
    public void close() {
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

    public DetailPane detail() {
        return detail;
    }
}
