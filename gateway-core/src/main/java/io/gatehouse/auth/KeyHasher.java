package io.gatehouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns an API key into the hash it is stored and looked up by: HMAC-SHA256 keyed with a
 * server-side pepper, or plain SHA-256 when no pepper is configured. With a pepper, a stolen
 * key store alone does not allow testing guesses offline; keep the pepper outside the store.
 *
 * <p>Changing the pepper invalidates every stored key.
 *
 * <p>Thread-safe.
 */
public final class KeyHasher {

    private static final HexFormat HEX = HexFormat.of();

    private final byte[] pepper;
    private final ThreadLocal<Mac> macs;
    private final ThreadLocal<MessageDigest> digests;

    private KeyHasher(byte[] pepper) {
        this.pepper = pepper;
        this.macs = pepper == null ? null : ThreadLocal.withInitial(this::newMac);
        this.digests = pepper == null ? ThreadLocal.withInitial(KeyHasher::newDigest) : null;
    }

    /** Hashes with unkeyed SHA-256. */
    public static KeyHasher sha256() {
        return new KeyHasher(null);
    }

    /**
     * Hashes with HMAC-SHA256 keyed by {@code pepper}.
     *
     * @throws IllegalArgumentException when the pepper is shorter than 16 bytes
     */
    public static KeyHasher hmacSha256(byte[] pepper) {
        if (pepper.length < 16) {
            throw new IllegalArgumentException(
                    "a key pepper needs at least 16 bytes, was " + pepper.length);
        }
        return new KeyHasher(pepper.clone());
    }

    /** Whether a pepper keys this hasher. */
    public boolean peppered() {
        return pepper != null;
    }

    /** The hash of {@code key} as raw bytes (32 bytes). */
    public byte[] hashBytes(String key) {
        byte[] input = key.getBytes(StandardCharsets.UTF_8);
        return pepper != null ? macs.get().doFinal(input) : digests.get().digest(input);
    }

    /** The hash of {@code key} as 64 lower-case hex digits, the form stores index by. */
    public String hash(String key) {
        return HEX.formatHex(hashBytes(key));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pepper, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
