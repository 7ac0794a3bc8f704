package dev.pilothouse.console.files;

import dev.pilothouse.console.Console;
import dev.pilothouse.workspace.TextPage;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

/**
 * One workspace file as text, a page at a time: a large file shows its first page and loads the
 * next on request, never the whole file. A binary file says so instead.
 */
final class FileViewer extends BorderPane {
    private final Console console;
    private final Label title = new Label();
    private final TextArea text = new TextArea();
    private final Label page = new Label();
    private final Button more = new Button("Load more");
    private String sessionId;
    private String path;
    private long nextOffset;
    /** Which file the pages on screen belong to: a late page of a file no longer shown is dropped. */
    private long generation;

    FileViewer(Console console) {
        this.console = console;
        title.setId("file-title");
        title.getStyleClass().add("section-title");
        text.setId("file-text");
        text.setEditable(false);
        text.getStyleClass().add("mono");
        page.setId("file-page");
        page.getStyleClass().add("muted");
        more.setId("file-more");
        more.setOnAction(e -> loadPage());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox foot = new HBox(8, page, spacer, more);
        foot.setAlignment(Pos.CENTER_LEFT);
        foot.setPadding(new Insets(6, 0, 0, 0));
        setTop(title);
        setCenter(text);
        setBottom(foot);
        clear();
    }

    /** Shows the first page of a file. */
    void open(String sessionId, String path) {
        this.sessionId = sessionId;
        this.path = path;
        generation++;
        nextOffset = 0;
        title.setText(path);
        text.clear();
        page.setText("Loading…");
        more.setVisible(false);
        loadPage();
    }

    void clear() {
        generation++;
        path = null;
        title.setText("No file selected");
        text.clear();
        text.setPromptText("Select a file to read it here");
        page.setText("");
        more.setVisible(false);
    }

    String path() {
        return path;
    }

    private void loadPage() {
        long gen = generation;
        String id = sessionId;
        String p = path;
        long offset = nextOffset;
        more.setDisable(true);
        console.run(() -> console.engine().workspaces().text(id, p, offset, TextPage.DEFAULT_BYTES), loaded -> {
            if (gen == generation) {
                append(loaded);
            }
        }, error -> {
            if (gen == generation) {
                page.setText(error);
                page.getStyleClass().setAll("inline-error");
                more.setVisible(false);
            }
        });
    }

    private void append(TextPage loaded) {
        page.getStyleClass().setAll("muted");
        more.setDisable(false);
        if (loaded.binary()) {
            text.clear();
            text.setPromptText("");
            page.setText("Binary file (" + Sizes.of(loaded.size()) + "): download it to look at it");
            more.setVisible(false);
            return;
        }
        boolean first = text.getLength() == 0;
        text.appendText(loaded.text());
        if (first) {
            // the first page is read from its start; later pages keep where the reader is
            text.positionCaret(0);
            text.setScrollTop(0);
            text.setScrollLeft(0);
        }
        nextOffset = loaded.nextOffset();
        more.setVisible(!loaded.last());
        page.setText(loaded.last() ? Sizes.of(loaded.nextOffset()) + ", all shown"
                : Sizes.of(loaded.nextOffset()) + " of " + Sizes.of(loaded.size()) + " shown");
    }
}
