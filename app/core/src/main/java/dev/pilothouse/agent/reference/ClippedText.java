package dev.pilothouse.agent.reference;

/**
 * Text kept up to a size, with a note of how much was left out: history entries stay a sane size
 * however much a command printed, without holding all of it in memory first.
 */
final class ClippedText {
    /** The most characters of one message or reply that the history keeps. */
    static final int LIMIT = 16_384;

    private final StringBuilder kept = new StringBuilder();
    private long dropped;

    static String of(String text) {
        return new ClippedText().append(text).toString();
    }

    ClippedText append(String text) {
        int room = LIMIT - kept.length();
        if (dropped > 0 || room <= 0) {
            dropped += text.length();
            return this;
        }
        if (text.length() <= room) {
            kept.append(text);
            return this;
        }
        int end = room;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never keep half of a character
        }
        kept.append(text, 0, end);
        dropped += text.length() - end;
        return this;
    }

    @Override
    public String toString() {
        return dropped == 0 ? kept.toString() : kept + "\n… [clipped " + dropped + " characters]";
    }
}
