package dev.pilothouse.console;

import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.controlsfx.control.Notifications;
import org.controlsfx.control.PopOver;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;
import org.kordamp.ikonli.materialdesign2.MaterialDesignB;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Where messages from away from the pane go: a ControlsFX notification in the window's corner
 * (errors stay until closed, news fades), and every one of them in a history the operator opens
 * from the toolbar's bell, newest first, so none is lost when the next arrives.
 */
public final class NotificationCenter implements Console.Notifier {
    private static final int KEEP = 500;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    /** One message, as the history lists it. */
    public record Entry(Instant at, boolean error, String text) {
    }

    private final ObservableList<Entry> history = FXCollections.observableArrayList();
    private final Button bell;
    private final Label badge = new Label();
    private final Node owner;
    private int unseen;
    private PopOver open;

    /** @param bell the toolbar button that opens the history; @param owner a node of the window notifications show over */
    public NotificationCenter(Button bell, Node owner) {
        this.bell = bell;
        this.owner = owner;
        badge.getStyleClass().add("notification-badge");
        badge.setId("notification-count");
        badge.setVisible(false);
        badge.setManaged(false);
        badge.setMouseTransparent(true);
        bell.setGraphic(new javafx.scene.layout.StackPane(new FontIcon(MaterialDesignB.BELL_OUTLINE), badge));
        javafx.scene.layout.StackPane.setAlignment(badge, Pos.TOP_RIGHT);
        bell.setTooltip(new javafx.scene.control.Tooltip("Notifications: errors and finished work (Ctrl+Shift+N)"));
        bell.setOnAction(e -> toggle());
    }

    @Override
    public void error(String message) {
        add(new Entry(Instant.now(), true, message));
    }

    @Override
    public void info(String message) {
        add(new Entry(Instant.now(), false, message));
    }

    public ObservableList<Entry> history() {
        return history;
    }

    private void add(Entry e) {
        history.add(0, e);
        if (history.size() > KEEP) {
            history.remove(KEEP, history.size());
        }
        unseen++;
        badge.setText(unseen > 99 ? "99+" : Integer.toString(unseen));
        badge.getStyleClass().setAll("label", "notification-badge", e.error() ? "error" : "info");
        badge.setVisible(true);
        badge.setManaged(true);
        if (owner.getScene() == null || owner.getScene().getWindow() == null || !owner.getScene().getWindow().isShowing()) {
            return;
        }
        Notifications n = Notifications.create()
                .owner(owner.getScene().getWindow())
                .title(e.error() ? "Something went wrong" : "Done")
                .text(e.text())
                .position(Pos.BOTTOM_RIGHT)
                .hideAfter(e.error() ? Duration.INDEFINITE : Duration.seconds(6))
                .graphic(icon(e.error()))
                .onAction(a -> toggle());
        if (owner.getScene().getRoot().getPseudoClassStates().contains(Themes.DARK)) {
            n.darkStyle();
        }
        n.show();
    }

    private static Node icon(boolean error) {
        FontIcon i = new FontIcon(error ? MaterialDesignA.ALERT_CIRCLE_OUTLINE : MaterialDesignC.CHECK_CIRCLE_OUTLINE);
        i.setIconSize(28);
        i.getStyleClass().add(error ? "notification-error-icon" : "notification-info-icon");
        return i;
    }

    /** Opens or closes the history under the bell. */
    public void toggle() {
        if (open != null && open.isShowing()) {
            open.hide();
            return;
        }
        unseen = 0;
        badge.setVisible(false);
        badge.setManaged(false);
        ListView<Entry> list = new ListView<>(history);
        list.setId("notification-history");
        list.setPlaceholder(new Label("No notifications yet"));
        list.setPrefSize(460, 360);
        list.setCellFactory(l -> new ListCell<>() {
            private final Label time = new Label();
            private final Label text = new Label();
            private final HBox box = new HBox(8, time, text);

            {
                text.setWrapText(true);
                text.setMinHeight(Region.USE_PREF_SIZE);
                HBox.setHgrow(text, Priority.ALWAYS);
                time.getStyleClass().add("muted");
                time.setMinWidth(Region.USE_PREF_SIZE);
                setPrefWidth(0);
            }

            @Override
            protected void updateItem(Entry e, boolean empty) {
                super.updateItem(e, empty);
                if (empty || e == null) {
                    setGraphic(null);
                    return;
                }
                time.setText(TIME.format(e.at()));
                text.setText(e.text());
                time.setGraphic(new FontIcon(e.error() ? MaterialDesignA.ALERT_CIRCLE_OUTLINE : MaterialDesignC.CHECK_CIRCLE_OUTLINE));
                text.getStyleClass().setAll("label", e.error() ? "inline-error" : "field-value");
                setGraphic(box);
            }
        });
        Button clear = new Button("Clear");
        clear.setId("notification-clear");
        clear.setOnAction(e -> history.clear());
        Label title = new Label("Notifications");
        title.getStyleClass().add("section-title");
        Region space = new Region();
        HBox.setHgrow(space, Priority.ALWAYS);
        HBox head = new HBox(8, title, space, clear);
        head.setAlignment(Pos.CENTER_LEFT);
        BorderPane content = new BorderPane(list, head, null, null, null);
        content.setPadding(new javafx.geometry.Insets(8));
        VBox.setVgrow(list, Priority.ALWAYS);
        PopOver p = new PopOver(content);
        p.setArrowLocation(PopOver.ArrowLocation.TOP_RIGHT);
        p.setDetachable(false);
        p.setTitle("Notifications");
        open = p;
        p.show(bell);
    }
}
