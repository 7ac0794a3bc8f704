package dev.pilothouse.console.main;

import dev.pilothouse.console.model.SelectionModel;
import dev.pilothouse.session.Session;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignE;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignH;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The session table's context menu: the toolbar's actions on the selection (enabled by the same
 * {@link SelectionModel}), saving one as a template, replaying one, exporting one as a bundle file,
 * copying ids and names, the parent and the lineage, and purge.
 */
final class SessionMenu {
    private SessionMenu() {
    }

    static ContextMenu build(MainController window, SessionActions actions) {
        MenuItem remix = item("Remix…", "menu-remix", new FontIcon(MaterialDesignS.SOURCE_BRANCH));
        MenuItem saveTemplate = item("Save as template…", "menu-save-template", new FontIcon(MaterialDesignF.FILE_DOCUMENT_OUTLINE));
        MenuItem replay = item("Replay…", "menu-replay", new FontIcon(MaterialDesignH.HISTORY));
        MenuItem export = item("Export…", "menu-export", new FontIcon(MaterialDesignE.EXPORT));
        MenuItem pause = item("Pause", "menu-pause", new FontIcon(MaterialDesignP.PAUSE));
        MenuItem resume = item("Resume", "menu-resume", new FontIcon(MaterialDesignP.PLAY));
        MenuItem retry = item("Retry", "menu-retry", new FontIcon(MaterialDesignR.RESTART));
        MenuItem delete = item("Delete…", "menu-delete", new FontIcon(MaterialDesignD.DELETE_OUTLINE));
        MenuItem purge = item("Purge volume…", "menu-purge", new FontIcon(MaterialDesignD.DELETE_FOREVER_OUTLINE));
        MenuItem copyId = item("Copy id", "menu-copy-id", new FontIcon(MaterialDesignC.CONTENT_COPY));
        MenuItem copyName = item("Copy name", "menu-copy-name", new FontIcon(MaterialDesignC.CONTENT_COPY));
        MenuItem parent = item("Open parent", "menu-parent", new FontIcon(MaterialDesignF.FILE_TREE));
        MenuItem lineage = item("Show lineage", "menu-lineage", new FontIcon(MaterialDesignF.FAMILY_TREE));
        ContextMenu menu = new ContextMenu(remix, saveTemplate, replay, export, new SeparatorMenuItem(), pause, resume, retry, new SeparatorMenuItem(),
                copyId, copyName, parent, lineage, new SeparatorMenuItem(), delete, purge);
        menu.setId("session-menu");
        menu.setOnShowing(e -> {
            List<Session> picked = window.selected();
            SelectionModel.Availability can = SelectionModel.of(picked);
            remix.setDisable(!can.remix());
            saveTemplate.setDisable(picked.size() != 1);
            replay.setDisable(picked.size() != 1);
            export.setDisable(picked.size() != 1);
            pause.setDisable(!can.pause());
            resume.setDisable(!can.resume());
            retry.setDisable(!can.retry());
            delete.setDisable(!can.delete());
            purge.setDisable(!can.purge());
            copyId.setDisable(!can.copy());
            copyName.setDisable(!can.copy());
            copyId.setText(picked.size() > 1 ? "Copy " + picked.size() + " ids" : "Copy id");
            copyName.setText(picked.size() > 1 ? "Copy " + picked.size() + " names" : "Copy name");
            parent.setDisable(!can.parent());
            lineage.setDisable(picked.size() != 1);
        });
        remix.setOnAction(e -> window.remixSelected());
        saveTemplate.setOnAction(e -> window.saveSelectedAsTemplate());
        replay.setOnAction(e -> window.replaySelected());
        export.setOnAction(e -> window.exportSelected());
        pause.setOnAction(e -> actions.pause(window.selected()));
        resume.setOnAction(e -> actions.resume(window.selected()));
        retry.setOnAction(e -> actions.retry(window.selected()));
        delete.setOnAction(e -> actions.delete(window.selected()));
        purge.setOnAction(e -> actions.purge(window.selected()));
        copyId.setOnAction(e -> copy(window.selected().stream().map(Session::id).collect(Collectors.joining("\n"))));
        copyName.setOnAction(e -> copy(window.selected().stream().map(Session::name).collect(Collectors.joining("\n"))));
        parent.setOnAction(e -> {
            List<Session> picked = window.selected();
            if (picked.size() == 1 && picked.get(0).parentSessionId() != null) {
                window.select(picked.get(0).parentSessionId());
            }
        });
        lineage.setOnAction(e -> window.showLineage());
        return menu;
    }

    private static MenuItem item(String text, String id, FontIcon icon) {
        MenuItem m = new MenuItem(text, icon);
        m.setId(id);
        return m;
    }

    private static void copy(String text) {
        ClipboardContent c = new ClipboardContent();
        c.putString(text);
        Clipboard.getSystemClipboard().setContent(c);
    }
}
