package dev.pilothouse.console;

import javafx.scene.Node;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Headless PNGs of nodes (FX thread), without the javafx-swing module. */
public final class Snapshots {
    private Snapshots() {
    }

    private static javafx.scene.paint.Paint windowBackground(Node node) {
        if (node.getScene() != null && node.getScene().getRoot() instanceof javafx.scene.layout.Region r
                && r.getBackground() != null && !r.getBackground().getFills().isEmpty()) {
            return r.getBackground().getFills().get(0).getFill();
        }
        return javafx.scene.paint.Color.WHITE;
    }

    public static Path write(Node node, Path file) {
        // transparent areas show what the window shows behind them, not the default white
        javafx.scene.SnapshotParameters params = new javafx.scene.SnapshotParameters();
        params.setFill(windowBackground(node));
        WritableImage image = node.snapshot(params, null);
        int w = (int) image.getWidth();
        int h = (int) image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        PixelReader pixels = image.getPixelReader();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(x, y, pixels.getArgb(x, y));
            }
        }
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(out, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
