package dev.pilothouse.console.logs;

import atlantafx.base.controls.CustomTextField;
import atlantafx.base.controls.Spacer;
import atlantafx.base.theme.Styles;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Separator;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.geometry.Orientation;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import org.kordamp.ikonli.Ikon;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignM;
import org.kordamp.ikonli.materialdesign2.MaterialDesignW;

/** The log viewer's controls, one compact row; {@link LogViewer} gives them their behaviour. */
final class LogToolbar extends HBox {
    final CustomTextField search = new CustomTextField();
    final Label matchCount = new Label();
    final Button previous = iconButton(MaterialDesignC.CHEVRON_UP, "Previous match (Shift+Enter, Shift+F3)", "log-previous-match");
    final Button next = iconButton(MaterialDesignC.CHEVRON_DOWN, "Next match (Enter, F3)", "log-next-match");
    final CustomTextField filter = new CustomTextField();
    final Label lineCount = new Label();
    final ToggleButton times = toggle(MaterialDesignC.CLOCK_OUTLINE, "Show timestamps", "log-times");
    final ToggleButton wrap = toggle(MaterialDesignW.WRAP, "Wrap long lines", "log-wrap");
    final ToggleButton follow = toggle(MaterialDesignA.ARROW_COLLAPSE_DOWN, "Follow the end (End)", "log-follow");
    final Button copy = iconButton(MaterialDesignC.CONTENT_COPY, "Copy the selected lines (Ctrl+C)", "log-copy");
    final MenuItem saveAll = new MenuItem("Save all lines…");
    final MenuItem saveShown = new MenuItem("Save the filtered lines…");
    final MenuButton save = new MenuButton(null, new FontIcon(MaterialDesignC.CONTENT_SAVE_OUTLINE), saveAll, saveShown);
    final Button clear = iconButton(MaterialDesignD.DELETE_SWEEP_OUTLINE, "Clear", "log-clear");

    LogToolbar() {
        getStyleClass().add("log-toolbar");
        setAlignment(Pos.CENTER_LEFT);

        search.getStyleClass().add("log-search");
        search.setPromptText("Search");
        search.setTooltip(new Tooltip("Find text, ignoring case (Ctrl+F); Enter: next, Shift+Enter: previous"));
        search.setLeft(new FontIcon(MaterialDesignM.MAGNIFY));
        search.setRight(matchCount);
        matchCount.getStyleClass().add("log-match-count");
        filter.getStyleClass().add("log-filter");
        // short enough to read when the Logs tab leaves the fields ~90 px; the icon says "filter"
        filter.setPromptText("Regex");
        filter.setTooltip(new Tooltip("Show only the lines this regular expression finds something in"));
        filter.setLeft(new FontIcon(MaterialDesignF.FILTER_VARIANT));
        for (CustomTextField c : new CustomTextField[] {search, filter}) {
            c.getStyleClass().add(Styles.SMALL);
            c.setPrefColumnCount(16);
        }
        lineCount.getStyleClass().add("log-line-count");
        // counts are never cut to "…": on a narrow pane the text fields give up their width instead
        lineCount.setMinWidth(Region.USE_PREF_SIZE);
        matchCount.setMinWidth(Region.USE_PREF_SIZE);
        save.getStyleClass().addAll("log-save", Styles.BUTTON_ICON, Styles.FLAT);
        save.setTooltip(new Tooltip("Save to a file"));
        saveAll.getStyleClass().add("log-save-all");
        saveShown.getStyleClass().add("log-save-shown");

        getChildren().addAll(search, previous, next, filter, new Spacer(), lineCount,
                new Separator(Orientation.VERTICAL), times, wrap, follow,
                new Separator(Orientation.VERTICAL), copy, save, clear);
    }

    private static Button iconButton(Ikon icon, String tip, String styleClass) {
        return styled(new Button(null, new FontIcon(icon)), tip, styleClass);
    }

    private static ToggleButton toggle(Ikon icon, String tip, String styleClass) {
        return styled(new ToggleButton(null, new FontIcon(icon)), tip, styleClass);
    }

    private static <B extends ButtonBase> B styled(B button, String tip, String styleClass) {
        button.getStyleClass().addAll(styleClass, Styles.BUTTON_ICON, Styles.FLAT);
        button.setTooltip(new Tooltip(tip));
        button.setFocusTraversable(false);
        return button;
    }
}
