package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.workspace.Tarballs;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Renames the entries of a pod's gzip'd tar ({@code ./...} for a folder's contents, a bare name
 * for one file) to what a download is named: {@code NAME/...} or {@code NAME}, as the local
 * runtime's archives are, whatever the entry's name in the pod (a link's target, the workspace).
 * Hard links (tar makes them for files linked twice) keep pointing at their renamed first copy.
 */
final class TarNames {
    private TarNames() {
    }

    static void rename(InputStream tarGz, String name, OutputStream out) {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(tarGz, 64 * 1024));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Tarballs.nonClosing(out), 64 * 1024))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) {
                    continue; // sockets, fifos, devices: nothing to download, as the local runtime packs
                }
                e.setName(renamed(e.getName(), name));
                if (e.isLink()) {
                    e.setLinkName(renamed(e.getLinkName(), name));
                }
                tar.putArchiveEntry(e);
                if (e.getSize() > 0) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "./rest" (a folder's contents) is NAME/rest, "." NAME/; a bare name (the one file) is NAME. */
    private static String renamed(String entry, String name) {
        if (entry.equals(".") || entry.equals("./")) {
            return name + "/";
        }
        return entry.startsWith("./") ? name + "/" + entry.substring(2) : name;
    }
}
