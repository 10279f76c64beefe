package io.gatehouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The shape of generated API keys: {@code <prefix>_<env>_<random><checksum>}, for example
 * {@code sk_live_} followed by 24 base62 characters drawn from {@link SecureRandom} (about 143
 * bits) and 6 base62 characters of the CRC32 of everything before them.
 *
 * <p>The checksum lets the gateway refuse a mistyped or forged key of a known prefix without
 * touching the key store, and lets secret scanners recognise leaked keys with few false
 * positives. It is not a secret and adds no strength: the random part does.
 *
 * <p>Immutable.
 */
public final class ApiKeyFormat {

    /** Number of random base62 characters in a generated key. */
    public static final int RANDOM_LENGTH = 24;
    /** Number of base62 characters of the CRC32 checksum suffix. */
    public static final int CHECKSUM_LENGTH = 6;
    /** Longest key string the gateway will look at; longer ones are refused unread. */
    public static final int MAX_KEY_LENGTH = 256;

    /** The default prefixes: live, test and development keys. */
    public static final Set<String> DEFAULT_PREFIXES = Set.of("sk_live_", "sk_test_", "sk_dev_");

    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private static final ApiKeyFormat DEFAULT = new ApiKeyFormat(DEFAULT_PREFIXES);

    /** Longest first, so that a prefix never shadows a longer one that starts with it. */
    private final List<String> prefixes;

    private ApiKeyFormat(Set<String> prefixes) {
        List<String> sorted = new ArrayList<>();
        for (String prefix : prefixes) {
            sorted.add(normalizePrefix(prefix));
        }
        sorted.sort(Comparator.comparingInt(String::length).reversed()
                .thenComparing(Comparator.naturalOrder()));
        this.prefixes = List.copyOf(sorted);
    }

    /** The format with {@link #DEFAULT_PREFIXES}. */
    public static ApiKeyFormat defaults() {
        return DEFAULT;
    }

    /**
     * A format with its own prefixes, each like {@code sk_live_} (a missing final underscore is
     * added).
     *
     * @throws IllegalArgumentException naming the prefix when one is not {@code [a-z0-9_]+}
     */
    public static ApiKeyFormat withPrefixes(Set<String> prefixes) {
        if (prefixes.isEmpty()) {
            throw new IllegalArgumentException("an API key format needs at least one prefix");
        }
        return new ApiKeyFormat(prefixes);
    }

    /** The prefixes of this format, each ending in {@code _}. */
    public List<String> prefixes() {
        return prefixes;
    }

    /**
     * The prefix {@code text} names, accepting {@code sk_test} as well as {@code sk_test_}.
     *
     * @throws IllegalArgumentException when it is not one of this format's prefixes
     */
    public String prefix(String text) {
        String normalized = normalizePrefix(text);
        if (!prefixes.contains(normalized)) {
            throw new IllegalArgumentException(
                    "unknown API key prefix '" + text + "'; known: " + prefixes);
        }
        return normalized;
    }

    /** Generates a new key with {@code prefix} (one of {@link #prefixes()}). */
    public String generate(String prefix, SecureRandom random) {
        String known = prefix(prefix);
        StringBuilder key = new StringBuilder(known.length() + RANDOM_LENGTH + CHECKSUM_LENGTH);
        key.append(known);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            // nextInt(bound) is unbiased, so every character carries log2(62) bits.
            key.append(BASE62[random.nextInt(BASE62.length)]);
        }
        key.append(checksum(key));
        return key.toString();
    }

    /** What a presented key string looks like, before any store lookup. */
    public enum Shape {
        /** A known prefix, the right length and alphabet, and a matching checksum. */
        WELL_FORMED,
        /** A known prefix but a wrong length, alphabet or checksum: it cannot be a real key. */
        MALFORMED,
        /** No known prefix: possibly an imported key, only the store can tell. */
        FOREIGN
    }

    /** Classifies {@code key} without any lookup. */
    public Shape classify(String key) {
        String prefix = prefixOf(key);
        if (prefix == null) {
            return Shape.FOREIGN;
        }
        if (key.length() != prefix.length() + RANDOM_LENGTH + CHECKSUM_LENGTH) {
            return Shape.MALFORMED;
        }
        for (int i = prefix.length(); i < key.length(); i++) {
            if (!isBase62(key.charAt(i))) {
                return Shape.MALFORMED;
            }
        }
        int split = key.length() - CHECKSUM_LENGTH;
        String expected = checksum(key.subSequence(0, split));
        return key.regionMatches(split, expected, 0, CHECKSUM_LENGTH)
                ? Shape.WELL_FORMED : Shape.MALFORMED;
    }

    /** The known prefix {@code key} starts with, or {@code null}. */
    public String prefixOf(String key) {
        for (String prefix : prefixes) {
            if (key.startsWith(prefix)) {
                return prefix;
            }
        }
        return null;
    }

    /**
     * A display form of {@code key} that is safe to log and show: its known prefix (if any) and
     * its last four characters, or only the prefix when the key is too short for its tail to be
     * harmless.
     */
    public String hint(String key) {
        String prefix = prefixOf(key);
        String head = prefix == null ? "" : prefix;
        // A short key (an imported demo key) would be half revealed by its last four characters.
        if (key.length() - head.length() < 16) {
            return head + "****";
        }
        return head + "..." + key.substring(key.length() - 4);
    }

    static String checksum(CharSequence text) {
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        char[] digits = new char[CHECKSUM_LENGTH];
        for (int i = CHECKSUM_LENGTH - 1; i >= 0; i--) {
            digits[i] = BASE62[(int) (value % 62)];
            value /= 62;
        }
        return new String(digits);
    }

    /** Random base62 text of {@code length} characters, for ids. */
    static String randomBase62(SecureRandom random, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(chars);
    }

    private static boolean isBase62(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    private static String normalizePrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        String normalized = prefix.endsWith("_") ? prefix : prefix + "_";
        if (!normalized.matches("[a-z0-9_]+") || normalized.length() < 2) {
            throw new IllegalArgumentException("API key prefix must be [a-z0-9_]+, was '"
                    + prefix + "'");
        }
        return normalized;
    }
}
