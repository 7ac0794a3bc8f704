package dev.pilothouse.workspace;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One page of a file shown as text: a large file is read a page at a time, never whole. A page
 * ends on a character boundary ({@code nextOffset} is where the next one starts); a file that is
 * not UTF-8 text (a NUL byte, or bytes that are no UTF-8) is {@code binary}, with no text.
 *
 * @param nextOffset where the next page starts; equal to {@code size} at the end
 */
public record TextPage(String path, long offset, long nextOffset, long size, boolean binary, String text) {
    /** Default page: 256 KiB, a few thousand lines of code. */
    public static final int DEFAULT_BYTES = 256 * 1024;
    /** Largest page a caller may ask for. */
    public static final int MAX_BYTES = 4 * 1024 * 1024;

    public boolean last() {
        return nextOffset >= size;
    }

    /** The page from {@code bytes}, read at {@code offset} of a file of {@code size} bytes. */
    public static TextPage of(String path, long offset, long size, byte[] bytes) {
        int n = bytes.length;
        boolean atEnd = offset + n >= size;
        if (!atEnd) {
            n = n - incompleteTail(bytes, n); // the next page starts with the cut character
        }
        for (int i = 0; i < n; i++) {
            if (bytes[i] == 0) {
                return new TextPage(path, offset, offset, size, true, null);
            }
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            String text = d.decode(ByteBuffer.wrap(bytes, 0, n)).toString();
            return new TextPage(path, offset, offset + n, size, false, text);
        } catch (CharacterCodingException e) {
            return new TextPage(path, offset, offset, size, true, null);
        }
    }

    /** How many bytes at the end of {@code bytes[0..n)} begin a UTF-8 character that continues past it. */
    static int incompleteTail(byte[] bytes, int n) {
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = bytes[n - back] & 0xff;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for the lead
            }
            int len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return len > back ? back : 0;
        }
        return 0;
    }
}
