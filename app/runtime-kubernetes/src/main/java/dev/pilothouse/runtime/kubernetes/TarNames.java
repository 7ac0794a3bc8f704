package dev.pilothouse.runtime.kubernetes;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Renames the entries of a pod's gzip'd tar ({@code ./...} for a folder's contents, {@code ./FILE}
 * for one file) to what a download is named: {@code NAME/...} or {@code NAME}, as the local
 * runtime's archives are, whatever the entry's name in the pod (a link's target, the workspace).
 */
final class TarNames {
    private TarNames() {
    }

    static void rename(InputStream tarGz, String name, OutputStream out) {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(tarGz, 64 * 1024));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(nonClosing(out), 64 * 1024))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            boolean folder = false;
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                String rel = e.getName().replaceFirst("^\\./?", "");
                if (rel.isEmpty() || rel.equals("/")) {
                    folder = true;
                    e.setName(name + "/");
                } else {
                    e.setName(folder ? name + "/" + rel : name);
                }
                tar.putArchiveEntry(e);
                if (e.isFile()) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
