package io.gatehouse.upstream;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the routed (normalized, decoded) path into the path sent upstream, before the service
 * endpoint's base path is prepended: unchanged, a prefix stripped, a prefix replaced, or a
 * regular expression replaced with {@code $1}-style references to its groups.
 *
 * <p>Immutable.
 */
public final class PathRewrite {

    private static final PathRewrite NONE = new PathRewrite(Kind.NONE, "", "", null);

    private enum Kind { NONE, STRIP, REPLACE, REGEX }

    private final Kind kind;
    private final String prefix;
    private final String replacement;
    private final Pattern pattern;

    private PathRewrite(Kind kind, String prefix, String replacement, Pattern pattern) {
        this.kind = kind;
        this.prefix = prefix;
        this.replacement = replacement;
        this.pattern = pattern;
    }

    /** The path as routed. */
    public static PathRewrite none() {
        return NONE;
    }

    /**
     * Removes {@code prefix} (whole segments: {@code /v1} strips {@code /v1/x} and {@code /v1},
     * not {@code /v10}); the result is {@code /} when nothing is left.
     *
     * @throws IllegalArgumentException naming the prefix when it does not start with {@code /}
     */
    public static PathRewrite stripPrefix(String prefix) {
        return new PathRewrite(Kind.STRIP, checkPrefix(prefix, "strip prefix"), "", null);
    }

    /**
     * Replaces the leading {@code prefix} (whole segments) with {@code replacement}.
     *
     * @throws IllegalArgumentException naming the value that does not start with {@code /}
     */
    public static PathRewrite replacePrefix(String prefix, String replacement) {
        return new PathRewrite(Kind.REPLACE, checkPrefix(prefix, "prefix"), checkPrefix(
                replacement, "replacement"), null);
    }

    /**
     * Replaces the first match of {@code regex} with {@code replacement}, in which {@code $1} or
     * {@code ${name}} refer to groups; a path that does not match is sent unchanged.
     *
     * @throws IllegalArgumentException naming the expression or replacement when invalid
     */
    public static PathRewrite regex(String regex, String replacement) {
        Objects.requireNonNull(regex, "regex");
        Objects.requireNonNull(replacement, "replacement");
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("rewrite regex '" + regex + "' is invalid: "
                    + e.getDescription(), e);
        }
        try {
            // Fail at build time, not on the first request, on a group the pattern lacks.
            checkReferences(pattern, replacement);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rewrite replacement '" + replacement
                    + "' does not fit regex '" + regex + "': " + e.getMessage(), e);
        }
        return new PathRewrite(Kind.REGEX, "", replacement, pattern);
    }

    private static void checkReferences(Pattern pattern, String replacement) {
        int groups = pattern.matcher("").groupCount();
        for (int i = 0; i < replacement.length() - 1; i++) {
            char c = replacement.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '$' && Character.isDigit(replacement.charAt(i + 1))) {
                int group = replacement.charAt(i + 1) - '0';
                if (group > groups) {
                    throw new IllegalArgumentException("group $" + group + " does not exist; "
                            + "the regex has " + groups);
                }
            } else if (c == '$' && replacement.charAt(i + 1) == '{') {
                int end = replacement.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed ${ in replacement");
                }
                String name = replacement.substring(i + 2, end);
                if (!pattern.pattern().contains("(?<" + name + ">")) {
                    throw new IllegalArgumentException("named group '" + name
                            + "' does not exist");
                }
            }
        }
    }

    private static String checkPrefix(String value, String what) {
        Objects.requireNonNull(value, what);
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException(what + " '" + value + "' must start with /");
        }
        return value.length() > 1 && value.endsWith("/")
                ? value.substring(0, value.length() - 1) : value;
    }

    /** The upstream path for the routed {@code path} (which starts with {@code /}). */
    public String apply(String path) {
        return switch (kind) {
            case NONE -> path;
            case STRIP -> {
                if (!startsWithSegments(path, prefix)) {
                    yield path;
                }
                String rest = path.substring(prefix.equals("/") ? 0 : prefix.length());
                yield rest.isEmpty() ? "/" : rest;
            }
            case REPLACE -> {
                if (!startsWithSegments(path, prefix)) {
                    yield path;
                }
                String rest = path.substring(prefix.equals("/") ? 1 : prefix.length());
                if (replacement.equals("/")) {
                    yield rest.isEmpty() ? "/" : rest.startsWith("/") ? rest : "/" + rest;
                }
                yield rest.isEmpty() || rest.startsWith("/") ? replacement + rest
                        : replacement + "/" + rest;
            }
            case REGEX -> {
                Matcher matcher = pattern.matcher(path);
                if (!matcher.find()) {
                    yield path;
                }
                String rewritten = matcher.replaceFirst(replacement);
                yield rewritten.startsWith("/") ? rewritten : "/" + rewritten;
            }
        };
    }

    private static boolean startsWithSegments(String path, String prefix) {
        if (prefix.equals("/")) {
            return true;
        }
        return path.startsWith(prefix)
                && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case STRIP -> "strip " + prefix;
            case REPLACE -> "replace " + prefix + " with " + replacement;
            case REGEX -> "regex " + pattern + " -> " + replacement;
        };
    }
}
