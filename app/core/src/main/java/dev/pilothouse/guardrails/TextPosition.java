package dev.pilothouse.guardrails;

/**
 * A place in a text as an operator finds it: line and column, both from 1, the column counted in
 * characters ({@code \n} ends a line; a {@code \r} before it is part of that line).
 */
public record TextPosition(int line, int column) {
    /** The positions of ascending {@code offsets}, in one pass over the text up to the last of them. */
    static TextPosition[] of(String text, int[] offsets) {
        TextPosition[] out = new TextPosition[offsets.length];
        int line = 1;
        int lineStart = 0;
        int p = 0;
        for (int k = 0; k < offsets.length; k++) {
            int target = offsets[k];
            while (p < target) {
                if (text.charAt(p) == '\n') {
                    line++;
                    lineStart = p + 1;
                }
                p++;
            }
            out[k] = new TextPosition(line, target - lineStart + 1);
        }
        return out;
    }

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
