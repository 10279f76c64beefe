package io.gatehouse.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The repository's Markdown documents as the tests of the documentation read them. */
final class MarkdownFiles {

    /** The repository root, seen from the examples module's directory (Maven's working dir). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private MarkdownFiles() {
    }

    /** README.md and every docs/*.md, in a stable order. */
    static List<Path> readmeAndDocs() {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.getFileName().toString().endsWith(".md"))
                    .sorted()
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The path of a document relative to the repository root, with forward slashes. */
    static String displayName(Path document) {
        return ROOT.relativize(document.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
    }

    /** The text outside fenced code blocks, lines of fences blanked so line numbers hold. */
    static List<String> proseLines(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            boolean fence = line.stripLeading().startsWith("```");
            if (fence) {
                fenced = !fenced;
            }
            lines.add(fence || fenced ? "" : line);
        }
        return lines;
    }

    /**
     * The anchors GitHub gives a document's headings: lower case, punctuation other than
     * {@code -} and {@code _} dropped, spaces as {@code -}, repeats numbered {@code -1},
     * {@code -2}.
     */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        for (String line : proseLines(markdown)) {
            if (!line.matches("#{1,6} .*")) {
                continue;
            }
            String text = line.replaceFirst("^#{1,6} ", "").strip();
            String slug = text.toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-');
            String unique = slug;
            for (int n = 1; anchors.contains(unique); n++) {
                unique = slug + "-" + n;
            }
            anchors.add(unique);
        }
        return anchors;
    }
}
