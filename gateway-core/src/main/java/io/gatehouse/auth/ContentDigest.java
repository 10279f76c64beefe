package io.gatehouse.auth;

import io.gatehouse.auth.StructuredFields.Bytes;
import io.gatehouse.auth.StructuredFields.Item;
import io.gatehouse.auth.StructuredFields.Member;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * RFC 9530 {@code Content-Digest}: computing it for a body, and checking a received one. Only
 * the active algorithms {@code sha-256} and {@code sha-512} count; deprecated ones (md5, sha,
 * crc32c, ...) are ignored, and a field holding only those is refused.
 *
 * <p>Stateless; thread-safe.
 */
final class ContentDigest {

    private ContentDigest() {
    }

    /** The field value {@code sha-256=:...:} for {@code body}. */
    static String sha256(byte[] body) {
        return "sha-256=:" + Base64.getEncoder().encodeToString(digest("SHA-256", body)) + ":";
    }

    /** The field value {@code sha-512=:...:} for {@code body}. */
    static String sha512(byte[] body) {
        return "sha-512=:" + Base64.getEncoder().encodeToString(digest("SHA-512", body)) + ":";
    }

    /**
     * Checks {@code fieldValue} against {@code body}.
     *
     * @return {@code null} when every active digest matches and there is at least one, else
     *     why not
     */
    static String mismatch(String fieldValue, byte[] body) {
        Map<String, Member> digests;
        try {
            digests = StructuredFields.parseDictionary(fieldValue);
        } catch (IllegalArgumentException e) {
            return "Content-Digest is malformed";
        }
        int checked = 0;
        for (Map.Entry<String, Member> entry : digests.entrySet()) {
            String algorithm = switch (entry.getKey()) {
                case "sha-256" -> "SHA-256";
                case "sha-512" -> "SHA-512";
                default -> null;
            };
            if (algorithm == null) {
                continue;
            }
            if (!(entry.getValue() instanceof Item item)
                    || !(item.value() instanceof Bytes given)) {
                return "Content-Digest " + entry.getKey() + " is not a byte sequence";
            }
            if (!MessageDigest.isEqual(digest(algorithm, body), given.value())) {
                return "Content-Digest " + entry.getKey() + " does not match the body";
            }
            checked++;
        }
        return checked == 0 ? "Content-Digest has no sha-256 or sha-512 digest" : null;
    }

    private static byte[] digest(String algorithm, byte[] body) {
        try {
            return MessageDigest.getInstance(algorithm).digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available", e);
        }
    }
}
