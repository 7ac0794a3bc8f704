package dev.pilothouse.console;

import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.Tooltip;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;

/** Table cells whose text, when a narrow column cuts it short, is whole in a tooltip. */
public final class Cells {
    private static final DateTimeFormatter SHORT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private Cells() {
    }

    /** A read-only text column: the text in the cell, and all of it in the cell's tooltip. */
    public static <S> TableColumn<S, String> column(String title, double width, Function<S, String> value) {
        return column(title, width, value, value);
    }

    /** As {@link #column(String, double, Function)}, with a tooltip that says more than the cell. */
    public static <S> TableColumn<S, String> column(String title, double width, Function<S, String> value,
                                                    Function<S, String> tooltip) {
        TableColumn<S, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        c.setCellFactory(col -> new TableCell<>() {
            private final Tooltip tip = new Tooltip();

            {
                tip.setWrapText(true);
                tip.setMaxWidth(640);
            }

            @Override
            protected void updateItem(String text, boolean empty) {
                super.updateItem(text, empty);
                S row = empty || getTableRow() == null ? null : getTableRow().getItem();
                setText(empty ? null : text);
                // a cell can be laid out before its row is attached: its own text is then the tooltip
                String whole = empty ? null : row == null ? text : tooltip.apply(row);
                if (whole == null || whole.isEmpty()) {
                    setTooltip(null);
                } else {
                    tip.setText(whole);
                    setTooltip(tip);
                }
            }
        });
        return c;
    }

    /** A time's tooltip: the cell's local time, and the exact instant. */
    public static String timeInFull(Instant t) {
        return t == null ? "" : time(t) + " (" + t + ")";
    }

    /** A time for a table cell: local date and time to the second (the tooltip can carry the exact instant). */
    public static String time(Instant t) {
        return t == null ? "" : SHORT_TIME.format(t);
    }
}
