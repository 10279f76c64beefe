package io.gatehouse.upstream;

import java.util.Objects;

/**
 * A header a {@link Service} adds to every forwarded request, typically the upstream's own API
 * key (e.g. read from an environment variable), replacing any header of that name. The value is
 * a secret: {@link #toString()} does not show it.
 *
 * <p>Immutable.
 */
public record UpstreamCredential(String header, String value) {

    public UpstreamCredential {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(value, "value");
        if (header.isBlank() || !header.chars().allMatch(c -> c > ' ' && c < 0x7f && c != ':')) {
            throw new IllegalArgumentException("credential header '" + header
                    + "' is not a header name");
        }
        if (value.isEmpty() || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("credential value for header '" + header
                    + "' must be non-empty and on one line");
        }
    }

    /** {@code Authorization: Bearer <token>}. */
    public static UpstreamCredential bearer(String token) {
        return new UpstreamCredential("Authorization", "Bearer " + token);
    }

    @Override
    public String toString() {
        return header + ": (secret)";
    }
}
