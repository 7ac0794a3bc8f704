package dev.pilothouse.agent;

import dev.pilothouse.errors.InvalidInputException;

import java.util.ArrayList;
import java.util.List;

/** An agent's command as an operator types it: spaces separate words, single or double quotes group them. */
public final class CommandLineWords {
    private CommandLineWords() {
    }

    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new InvalidInputException("unbalanced " + quote + " quote in command '" + line + "'");
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }
}
