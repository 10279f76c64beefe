package io.gatehouse;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Accepts a caller's {@code X-Request-ID} when it is sane, and otherwise makes a new one.
 *
 * <p>Thread-safe (stateless).
 */
final class RequestIds {

    /** Longest incoming id accepted. */
    static final int MAX_LENGTH = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /**
     * Returns {@code incoming} if it is 1 to 128 characters of letters, digits and
     * {@code - _ . : /}, which keeps ids safe to echo in headers and logs; otherwise a new id.
     */
    static String acceptOrGenerate(String incoming) {
        return isSane(incoming) ? incoming : generate();
    }

    static boolean isSane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '/';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** A new random id: 128 bits as 32 lower-case hex digits. Not a secret, so not SecureRandom. */
    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
            id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
        }
        return new String(id);
    }
}
