package dev.pilothouse.console;

import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Labeled;
import javafx.scene.control.Tooltip;
import javafx.scene.text.Text;

import java.util.ArrayList;
import java.util.List;

/** Finds text the window shows cut short ("…") with no tooltip on it or a parent holding the whole text. */
final class Clipping {
    private Clipping() {
    }

    static List<String> cutWithoutTooltip(Node root) {
        List<String> found = new ArrayList<>();
        walk(root, found);
        return found;
    }

    private static void walk(Node n, List<String> found) {
        if (!n.isVisible()) {
            return;
        }
        if (n instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()) {
            Text shown = (Text) l.lookup(".text");
            if (shown != null && shown.getText() != null && shown.getText().endsWith(l.getEllipsisString())
                    && !l.getText().endsWith(l.getEllipsisString()) && !shown.getText().equals(l.getText())
                    && !tooltipHolds(l, l.getText())) {
                found.add(l.getClass().getSimpleName() + " '" + l.getText() + "' shown as '" + shown.getText() + "'");
            }
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                walk(c, found);
            }
        }
    }

    private static boolean tooltipHolds(Node n, String text) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (p instanceof javafx.scene.control.Control c) {
                Tooltip t = c.getTooltip();
                if (t != null && t.getText() != null && t.getText().contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }
}
