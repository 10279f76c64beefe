package io.gatehouse.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route's path template, matched against normalized paths: literal segments, {@code {name}} for
 * exactly one segment, and a final {@code **} for any remainder (including none).
 * Examples: {@code /invocations}, {@code /v1/models/{model}/predict}, {@code /static/**}.
 *
 * <p>Immutable.
 */
public final class PathPattern {

    private final String template;
    private final String[] segments;
    private final boolean tail;

    private PathPattern(String template, String[] segments, boolean tail) {
        this.template = template;
        this.segments = segments;
        this.tail = tail;
    }

    /**
     * Parses {@code template}.
     *
     * @throws IllegalArgumentException naming the template when it is not a valid pattern
     */
    public static PathPattern parse(String template) {
        Objects.requireNonNull(template, "template");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException(
                    "path pattern must start with '/': '" + template + "'");
        }
        String[] parts = template.equals("/")
                ? new String[0] : template.substring(1).split("/", -1);
        boolean tail = parts.length > 0 && parts[parts.length - 1].equals("**");
        String[] fixed = tail ? Arrays.copyOf(parts, parts.length - 1) : parts;
        for (String part : fixed) {
            boolean variable = part.startsWith("{") && part.endsWith("}") && part.length() > 2;
            if (part.isEmpty() || part.contains("**")
                    || !variable && (part.contains("{") || part.contains("}"))) {
                throw new IllegalArgumentException("bad segment '" + part + "' in path pattern '"
                        + template + "'");
            }
        }
        return new PathPattern(template, fixed, tail);
    }

    /** The template this pattern was parsed from. */
    public String template() {
        return template;
    }

    /** Whether {@code path} (normalized) matches this pattern. */
    public boolean matches(String path) {
        return match(path, null);
    }

    /**
     * Matches {@code path} and collects {@code {name}} variables into {@code variables}.
     *
     * @return whether the path matched; {@code variables} is only meaningful if it did
     */
    public boolean match(String path, Map<String, String> variables) {
        if (path.equals("/")) {
            return segments.length == 0;
        }
        int position = 1;
        int length = path.length();
        for (String segment : segments) {
            if (position > length) {
                return false;
            }
            int end = path.indexOf('/', position);
            if (end < 0) {
                end = length;
            }
            if (end == position) {
                return false;
            }
            if (segment.charAt(0) == '{') {
                if (variables != null) {
                    variables.put(segment.substring(1, segment.length() - 1),
                            path.substring(position, end));
                }
            } else if (segment.length() != end - position
                    || !path.regionMatches(position, segment, 0, segment.length())) {
                return false;
            }
            position = end + 1;
        }
        return tail || position > length;
    }

    /** The number of literal segments, used to prefer the more specific of two matching routes. */
    int specificity() {
        List<String> literals = new ArrayList<>();
        for (String segment : segments) {
            if (segment.charAt(0) != '{') {
                literals.add(segment);
            }
        }
        return literals.size() * 2 + (tail ? 0 : 1);
    }

    @Override
    public String toString() {
        return template;
    }
}
