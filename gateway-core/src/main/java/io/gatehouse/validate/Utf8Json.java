package io.gatehouse.validate;

/**
 * RFC 8259 section 8.1: JSON exchanged between systems must be UTF-8. Finds bodies that are
 * not: UTF-16 or UTF-32 (with or without a byte order mark; without one, JSON's first two
 * characters are ASCII, so the zero bytes give the encoding away) and byte sequences that are
 * not well-formed UTF-8 (overlong forms, surrogates, code points past U+10FFFF, truncation).
 * A UTF-8 byte order mark is tolerated, as the RFC allows parsers to.
 *
 * <p>Thread-safe (stateless).
 */
final class Utf8Json {

    private Utf8Json() {
    }

    /** Why {@code body} is not UTF-8, or {@code null} when it is. */
    static String notUtf8(byte[] body) {
        int length = body.length;
        if (length >= 2 && (body[0] == (byte) 0xFE && body[1] == (byte) 0xFF
                || body[0] == (byte) 0xFF && body[1] == (byte) 0xFE)) {
            return "is UTF-16 or UTF-32 (byte order mark); JSON must be UTF-8";
        }
        if (length >= 2 && (body[0] == 0 || body[1] == 0)
                || length >= 4 && body[0] != 0 && (body[2] == 0 || body[3] == 0)) {
            return "is UTF-16 or UTF-32; JSON must be UTF-8";
        }
        int i = 0;
        while (i < length) {
            int b = body[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int continuation;
            int min;
            int codePoint;
            if (b >= 0xC2 && b <= 0xDF) {
                continuation = 1;
                min = 0x80;
                codePoint = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                continuation = 2;
                min = 0x800;
                codePoint = b & 0x0F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                continuation = 3;
                min = 0x10000;
                codePoint = b & 0x07;
            } else {
                return invalidAt(i);
            }
            if (i + continuation >= length) {
                return invalidAt(i);
            }
            for (int k = 1; k <= continuation; k++) {
                int next = body[i + k] & 0xFF;
                if ((next & 0xC0) != 0x80) {
                    return invalidAt(i);
                }
                codePoint = codePoint << 6 | next & 0x3F;
            }
            if (codePoint < min || codePoint > 0x10FFFF
                    || codePoint >= 0xD800 && codePoint <= 0xDFFF) {
                return invalidAt(i);
            }
            i += continuation + 1;
        }
        return null;
    }

    private static String invalidAt(int offset) {
        return "is not valid UTF-8 (byte " + offset + "); JSON must be UTF-8";
    }
}
