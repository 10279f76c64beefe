package io.gatehouse.route;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns a raw request path into the one form that routing and authorization match against, so
 * that {@code /admin}, {@code //admin}, {@code /x/../admin} and {@code /%61dmin} cannot be told
 * apart by a route but can by the application.
 *
 * <p>Rules: percent-decoding as UTF-8 (strictly: malformed UTF-8 is refused); encoded {@code /},
 * {@code \}, control characters and NUL are refused because they would let one path mean two
 * things; empty segments are collapsed; {@code .} and {@code ..} are resolved (a {@code ..} above
 * the root is refused, not silently dropped); the result starts with {@code /} and has no
 * trailing {@code /} except for the root itself.
 *
 * <p>Thread-safe (stateless).
 */
public final class PathNormalizer {

    private PathNormalizer() {
    }

    /**
     * Normalizes {@code rawPath}.
     *
     * @return the normalized path, or {@code null} when the path is malformed or ambiguous and
     *     must be refused with 400
     */
    public static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return null;
        }
        Deque<String> segments = new ArrayDeque<>();
        int start = 1;
        int length = rawPath.length();
        while (start <= length) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            String segment = decodeSegment(rawPath, start, end);
            if (segment == null) {
                return null;
            }
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    return null;
                }
                segments.removeLast();
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.addLast(segment);
            }
            start = end + 1;
        }
        if (segments.isEmpty()) {
            return "/";
        }
        StringBuilder path = new StringBuilder(length);
        for (String segment : segments) {
            path.append('/').append(segment);
        }
        return path.toString();
    }

    private static String decodeSegment(String raw, int start, int end) {
        boolean plain = true;
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                plain = false;
            } else if (c < 0x20 || c == 0x7f || c == '\\' || c > 0x7e) {
                return null;
            }
        }
        if (plain) {
            return raw.substring(start, end);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(end - start);
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            if (i + 2 >= end) {
                return null;
            }
            int high = Character.digit(raw.charAt(i + 1), 16);
            int low = Character.digit(raw.charAt(i + 2), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            int decoded = high << 4 | low;
            if (decoded < 0x20 || decoded == 0x7f || decoded == '/' || decoded == '\\') {
                return null;
            }
            bytes.write(decoded);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
