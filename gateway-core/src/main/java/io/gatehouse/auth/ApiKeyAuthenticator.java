package io.gatehouse.auth;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Authenticates requests by API key, read from {@code X-API-Key} or else from
 * {@code Authorization: Bearer <key>}.
 *
 * <p>A Bearer value shaped like a JWT (three or five base64url parts) is left to a JWT
 * authenticator: the result is {@link AuthResult.NoCredentials}. A key with a known prefix but a
 * wrong checksum, length or alphabet is refused without a store lookup. Any other key is hashed
 * and looked up by hash; the stored hash is compared again in constant time, so a store that
 * answered for the wrong hash cannot let a request in. Revoked and expired keys are refused with
 * {@link ErrorCode#INVALID_API_KEY} and the same detail as an unknown key, so a refusal never
 * confirms that a key existed (the key id and reason go to the security log); a key used from
 * outside its address lists is refused with {@link ErrorCode#FORBIDDEN}. No detail ever
 * contains more of the key than its prefix and last four characters. When the store fails (a
 * backend down), the request is refused with
 * {@link ErrorCode#SERVICE_UNAVAILABLE} and a {@code Retry-After} hint, never with an error
 * that leaks the failure or counts as a failed attempt.
 *
 * <p>An accepted key's last use is recorded in the store at most once per
 * {@link #LAST_USE_RESOLUTION} (judged by the record the store returned), so a busy key does not
 * rewrite its record on every request.
 *
 * <p>Thread-safe.
 */
public final class ApiKeyAuthenticator implements Authenticator {

    /** The dedicated API key header. */
    public static final String API_KEY_HEADER = "X-API-Key";

    /** How precisely a key's last use is kept: a use this close to the recorded one is not. */
    public static final Duration LAST_USE_RESOLUTION = Duration.ofSeconds(1);

    private static final String NOT_VALID = "the API key is not valid";
    private static final ConsumedCredentials FROM_API_KEY_HEADER =
            ConsumedCredentials.headers(API_KEY_HEADER);
    private static final ConsumedCredentials FROM_AUTHORIZATION =
            ConsumedCredentials.headers("Authorization");
    private static final ConsumedCredentials FROM_BOTH =
            ConsumedCredentials.headers(API_KEY_HEADER, "Authorization");

    private final ApiKeyStore store;
    private final KeyHasher hasher;
    private final ApiKeyFormat format;
    private final Clock clock;
    private final long unavailableRetryAfterSeconds;

    private ApiKeyAuthenticator(Builder builder) {
        this.store = builder.store;
        this.hasher = builder.hasher;
        this.format = builder.format;
        this.clock = builder.clock;
        this.unavailableRetryAfterSeconds = builder.unavailableRetryAfterSeconds;
    }

    /** Starts an authenticator over {@code store}; hasher, format and clock default sensibly. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    @Override
    public List<Credential> credentials() {
        return List.of(Credential.API_KEY);
    }

    @Override
    public AuthResult authenticate(GatewayRequest request) {
        String key = request.header(API_KEY_HEADER);
        if (key != null && ambiguous(request, key)) {
            return new AuthResult.Rejected(ErrorCode.VALIDATION_ERROR,
                    "the request carries more than one credential; send exactly one");
        }
        boolean fromHeader = key != null;
        if (key == null) {
            key = bearerValue(request.header("Authorization"));
            if (key == null || looksLikeJwt(key)) {
                return AuthResult.noCredentials();
            }
        }
        key = key.strip();
        if (key.isEmpty()) {
            return reject("the API key is empty");
        }
        if (!plausibleKey(key)) {
            return reject("the API key is malformed");
        }
        if (format.classify(key) == ApiKeyFormat.Shape.MALFORMED) {
            // A known prefix with a wrong checksum cannot be a key we issued: no lookup needed.
            return reject("the API key " + format.hint(key) + " is malformed");
        }
        String hash = hasher.hash(key);
        Optional<ApiKeyRecord> found;
        try {
            found = store.findByHash(hash);
        } catch (ApiKeyStoreException e) {
            // The store's own message names the backend, never the key; the caller learns only
            // that keys cannot be checked right now.
            return new AuthResult.Rejected(ErrorCode.SERVICE_UNAVAILABLE,
                    "API keys cannot be checked right now; retry shortly",
                    unavailableRetryAfterSeconds);
        }
        if (found.isEmpty()) {
            return reject(NOT_VALID);
        }
        ApiKeyRecord record = found.get();
        if (!MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                record.hash().getBytes(StandardCharsets.US_ASCII))) {
            return reject(NOT_VALID);
        }
        Instant now = clock.instant();
        // The caller is told no more than for a key that never existed; which key it was and
        // why goes to the security log only.
        if (record.revoked()) {
            return AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_API_KEY,
                    NOT_VALID, "the API key " + record.hint() + " (" + record.keyId()
                            + ") has been revoked");
        }
        if (record.expiredAt(now)) {
            return AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_API_KEY,
                    NOT_VALID, "the API key " + record.hint() + " (" + record.keyId()
                            + ") has expired");
        }
        if (!record.permitsAddress(request.clientAddress())) {
            return AuthResult.Rejected.withSecurityDetail(ErrorCode.FORBIDDEN,
                    "the API key may not be used from this address", "the API key "
                            + record.hint() + " (" + record.keyId()
                            + ") may not be used from this address");
        }
        Instant lastUsed = record.lastUsedAt();
        if (lastUsed == null || !lastUsed.isAfter(now.minus(LAST_USE_RESOLUTION))) {
            try {
                store.recordUse(record.keyId(), now);
            } catch (ApiKeyStoreException e) {
                // Losing a last-use time is harmless (see ApiKeyStore#recordUse).
            }
        }
        // The same key may also be in Authorization (anything else there was refused above).
        return new AuthResult.Authenticated(record.toPrincipal(), !fromHeader
                ? FROM_AUTHORIZATION : request.header("Authorization") == null
                        ? FROM_API_KEY_HEADER : FROM_BOTH);
    }

    /**
     * Whether the credentials are ambiguous: two {@code X-API-Key} lines, or an API key beside
     * an {@code Authorization} header that says something else. Which one a proxy, the gateway
     * and the application would each believe cannot be known, so neither is used.
     */
    private static boolean ambiguous(GatewayRequest request, String key) {
        if (request.exchange().headerValues(API_KEY_HEADER).size() > 1) {
            return true;
        }
        java.util.List<String> authorizations =
                request.exchange().headerValues("Authorization");
        if (authorizations.isEmpty()) {
            return false;
        }
        return authorizations.size() > 1
                || !key.strip().equals(bearerValue(authorizations.get(0)));
    }

    private static AuthResult reject(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, detail);
    }

    /** The token of an {@code Authorization: Bearer} header, or {@code null}. */
    static String bearerValue(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).strip();
    }

    /** Whether {@code token} has the compact shape of a JWS (3 parts) or JWE (5 parts). */
    static boolean looksLikeJwt(String token) {
        int parts = 1;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.') {
                parts++;
            } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_')) {
                return false;
            }
        }
        return (parts == 3 || parts == 5) && token.charAt(0) != '.';
    }

    /** Whether {@code key} is printable ASCII without spaces and not absurdly long. */
    static boolean plausibleKey(String key) {
        if (key == null || key.isEmpty() || key.length() > ApiKeyFormat.MAX_KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Collects an authenticator's parts. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyStore store;
        private KeyHasher hasher = KeyHasher.sha256();
        private ApiKeyFormat format = ApiKeyFormat.defaults();
        private Clock clock = Clock.systemUTC();
        private long unavailableRetryAfterSeconds = 1;

        private Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The hasher the stored hashes were made with; unpeppered SHA-256 by default. */
        public Builder hasher(KeyHasher hasher) {
            this.hasher = Objects.requireNonNull(hasher, "hasher");
            return this;
        }

        /** The key format whose prefixes are checksum-checked; the defaults by default. */
        public Builder format(ApiKeyFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The clock expiry is judged by. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The {@code Retry-After} sent while the store fails; 1 s by default, rounded up to
         * whole seconds, at least 1 s.
         */
        public Builder unavailableRetryAfter(java.time.Duration retryAfter) {
            Objects.requireNonNull(retryAfter, "retryAfter");
            if (retryAfter.isNegative() || retryAfter.isZero()) {
                throw new IllegalArgumentException(
                        "unavailableRetryAfter must be positive, was " + retryAfter);
            }
            long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
            this.unavailableRetryAfterSeconds = seconds;
            return this;
        }

        public ApiKeyAuthenticator build() {
            return new ApiKeyAuthenticator(this);
        }
    }
}
