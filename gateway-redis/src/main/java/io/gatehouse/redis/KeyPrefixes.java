package io.gatehouse.redis;

import java.util.Objects;

/** The one rule every store's key prefix follows. Thread-safe (stateless). */
final class KeyPrefixes {

    private KeyPrefixes() {
    }

    /**
     * Returns {@code keyPrefix} if it is usable: braces would become the key's Cluster hash tag
     * and scatter one principal's keys over several slots.
     *
     * @throws IllegalArgumentException naming the prefix when it contains a brace
     */
    static String require(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "keyPrefix must not contain '{' or '}', was '" + keyPrefix + "'");
        }
        return keyPrefix;
    }
}
