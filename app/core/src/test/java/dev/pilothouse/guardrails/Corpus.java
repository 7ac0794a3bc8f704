package dev.pilothouse.guardrails;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The guardrail corpus under src/test/resources/guardrails: labelled examples per kind
 * ({@code labelled/<kind>.txt}, written by tools/guardrails-corpus/generate.py) and ordinary text
 * ({@code ordinary/}: copies of docs/*.md and of some of the project's Java sources).
 */
final class Corpus {
    static final char OPEN = '«';
    static final char CLOSE = '»';

    private Corpus() {
    }

    /**
     * A labelled line with its markers taken out; {@code expected} the marked spans (empty for a
     * negative); {@code allowed} other kinds a negative holds on purpose ({@code - [ip] host 192.168.1.10}).
     */
    record Example(PiiKind kind, boolean positive, int line, String text, List<Finding> expected, Set<PiiKind> allowed) {
    }

    /** A file of ordinary text. */
    record Document(String name, String text) {
    }

    static List<Example> labelled(PiiKind kind) {
        String resource = "guardrails/labelled/" + kind.wireName() + ".txt";
        List<String> lines = read(resource).lines().toList();
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (!line.startsWith("+ ") && !line.startsWith("- ")) {
                throw new IllegalStateException(resource + ":" + (i + 1) + " starts with neither '+ ' nor '- '");
            }
            boolean positive = line.charAt(0) == '+';
            String raw = line.substring(2).replace("\\n", "\n");
            Set<PiiKind> allowed = EnumSet.noneOf(PiiKind.class);
            if (!positive && raw.startsWith("[")) {
                String tag = raw.substring(1, raw.indexOf(']'));
                allowed.add(PiiKind.byWireName(tag).orElseThrow(() -> new IllegalStateException(resource + ": " + tag)));
                raw = raw.substring(tag.length() + 3);
            }
            StringBuilder text = new StringBuilder();
            List<Finding> spans = new ArrayList<>();
            int open = -1;
            for (int k = 0; k < raw.length(); k++) {
                char c = raw.charAt(k);
                if (c == OPEN) {
                    open = text.length();
                } else if (c == CLOSE) {
                    spans.add(new Finding(kind, open, text.length()));
                    open = -1;
                } else {
                    text.append(c);
                }
            }
            if (positive == spans.isEmpty()) {
                throw new IllegalStateException(resource + ":" + (i + 1) + ": a positive needs «spans», a negative none");
            }
            examples.add(new Example(kind, positive, i + 1, text.toString(), List.copyOf(spans), allowed));
        }
        return examples;
    }

    static List<Document> ordinary() {
        Path dir = resourceDir("guardrails/ordinary");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> !p.getFileName().toString().equals("hits.tsv")).sorted()
                    .map(p -> new Document(p.getFileName().toString(), readPath(p))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(String resource) {
        return readPath(resourceDir(resource));
    }

    static Path resourceDir(String resource) {
        URL url = Corpus.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("no resource " + resource);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readPath(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
