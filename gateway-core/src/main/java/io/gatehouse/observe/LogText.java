package io.gatehouse.observe;

/**
 * The one place that makes a client-controlled value safe to put into a log line: paths, header
 * values, key ids, principal and tier names. Every logger in Gatehouse passes such values through
 * {@link #escape(String)}, so a caller can neither start a new line (in a plain-text log or in a
 * viewer that honours Unicode line separators) nor break out of a quoted field.
 *
 * <p>Thread-safe (stateless).
 */
public final class LogText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /**
     * Returns {@code value} with C0 controls, DEL, C1 controls (NEL included), U+2028 LINE
     * SEPARATOR and U+2029 PARAGRAPH SEPARATOR written as {@code \\uXXXX}, and {@code "} and
     * {@code \\} preceded by a backslash; the same instance when nothing needs escaping, and
     * {@code "null"} for {@code null}.
     */
    public static String escape(String value) {
        if (value == null) {
            return "null";
        }
        int first = firstUnsafe(value);
        if (first < 0) {
            return value;
        }
        StringBuilder escaped = new StringBuilder(value.length() + 16);
        escaped.append(value, 0, first);
        for (int i = first; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                escaped.append('\\').append(c);
            } else if (isControl(c)) {
                escaped.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                        .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static int firstUnsafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || isControl(c)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029';
    }
}
