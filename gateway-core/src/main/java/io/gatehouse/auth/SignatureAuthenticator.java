package io.gatehouse.auth;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.auth.StructuredFields.Bytes;
import io.gatehouse.auth.StructuredFields.InnerList;
import io.gatehouse.auth.StructuredFields.Item;
import io.gatehouse.auth.StructuredFields.Member;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates requests by an RFC 9421 HTTP Message Signature ({@code Signature-Input} and
 * {@code Signature} fields), verified with a key found by its {@code keyid}.
 *
 * <p>Strict by default: the signature must cover {@code @method}, {@code @authority} and
 * {@code @path}, and {@code content-digest} whenever the request has a body (the digest is then
 * checked against the body, RFC 9530 sha-256 or sha-512); {@code created} is required and must
 * lie within the allowed age; {@code expires}, when present, must not have passed; a
 * {@code nonce} is required and may be used once per key within the window; an {@code alg}
 * parameter must agree with the key's algorithm. The label verified is the configured one, or
 * else the first in {@code Signature-Input}.
 *
 * <p>A request without either field is {@link AuthResult.NoCredentials}; every refusal is
 * {@link ErrorCode#INVALID_SIGNATURE}, except a body too large to verify
 * ({@link ErrorCode#PAYLOAD_TOO_LARGE}).
 *
 * <p>Thread-safe.
 */
public final class SignatureAuthenticator implements Authenticator {

    /** The signature fields; Content-Digest describes the body and stays. */
    private static final ConsumedCredentials CONSUMED =
            ConsumedCredentials.headers("Signature", "Signature-Input");

    private final SignatureKeyResolver keys;
    private final NonceStore nonces;
    private final Clock clock;
    private final Set<String> requiredComponents;
    private final boolean requireContentDigestWithBody;
    private final long maxAgeSeconds;
    private final long skewSeconds;
    private final boolean requireNonce;
    private final String label;
    private final String requiredTag;
    private final String scheme;
    private final int maxBodyBytes;

    private SignatureAuthenticator(Builder builder) {
        this.keys = builder.keys;
        this.clock = builder.clock;
        this.nonces = builder.nonces != null ? builder.nonces
                : new InMemoryNonceStore(1_000_000, builder.clock);
        this.requiredComponents = Set.copyOf(builder.requiredComponents);
        this.requireContentDigestWithBody = builder.requireContentDigestWithBody;
        this.maxAgeSeconds = builder.maxAge.toSeconds();
        this.skewSeconds = builder.clockSkew.toSeconds();
        this.requireNonce = builder.requireNonce;
        this.label = builder.label;
        this.requiredTag = builder.requiredTag;
        this.scheme = builder.scheme;
        this.maxBodyBytes = builder.maxBodyBytes;
    }

    /** Starts an authenticator that verifies with keys from {@code keys}. */
    public static Builder builder(SignatureKeyResolver keys) {
        return new Builder(keys);
    }

    @Override
    public List<Credential> credentials() {
        return List.of(Credential.HTTP_SIGNATURE);
    }

    @Override
    public AuthResult authenticate(GatewayRequest request) {
        List<String> inputLines = request.exchange().headerValues("Signature-Input");
        List<String> signatureLines = request.exchange().headerValues("Signature");
        if (inputLines.isEmpty() && signatureLines.isEmpty()) {
            return AuthResult.noCredentials();
        }
        if (inputLines.isEmpty() || signatureLines.isEmpty()) {
            return reject("both Signature-Input and Signature are required");
        }
        Map<String, Member> inputs;
        Map<String, Member> signatures;
        try {
            inputs = StructuredFields.parseDictionary(String.join(", ", inputLines));
            signatures = StructuredFields.parseDictionary(String.join(", ", signatureLines));
        } catch (IllegalArgumentException e) {
            return reject("Signature-Input or Signature is not a valid structured field");
        }
        String chosen = label != null ? label
                : inputs.isEmpty() ? null : inputs.keySet().iterator().next();
        if (chosen == null) {
            return reject("Signature-Input names no signature");
        }
        if (!inputs.containsKey(chosen)) {
            return reject("no signature labelled " + chosen);
        }
        if (!(inputs.get(chosen) instanceof InnerList covered)) {
            return reject("Signature-Input " + chosen + " is not an inner list");
        }
        if (!(signatures.get(chosen) instanceof Item signatureItem)
                || !(signatureItem.value() instanceof Bytes signature)) {
            return reject("Signature has no byte sequence labelled " + chosen);
        }
        Map<String, Object> params = covered.params();
        if (!(params.get("keyid") instanceof String keyId)) {
            return reject("the signature has no keyid");
        }
        Optional<SignatureKey> found = keys.find(keyId);
        if (found.isEmpty()) {
            return reject("the signature's keyid is not known");
        }
        SignatureKey key = found.get();
        Object alg = params.get("alg");
        if (alg != null && !key.algorithm().id().equals(alg)) {
            return reject("the signature's alg does not match its key");
        }
        AuthResult timing = checkTime(params);
        if (timing != null) {
            return timing;
        }
        if (requiredTag != null && !requiredTag.equals(params.get("tag"))) {
            return reject("the signature's tag is not " + requiredTag);
        }
        Object nonce = params.get("nonce");
        if (nonce != null && !(nonce instanceof String)) {
            return reject("the signature's nonce is not a string");
        }
        if (requireNonce && nonce == null) {
            return reject("the signature has no nonce");
        }

        Set<String> names = new HashSet<>();
        for (Item component : covered.items()) {
            if (component.value() instanceof String name && component.params().isEmpty()) {
                names.add(name);
            }
        }
        byte[] body;
        try {
            body = needsBody(request, names) ? request.body(maxBodyBytes) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("request body could not be read", e);
        }
        if (body.length > maxBodyBytes) {
            return new AuthResult.Rejected(ErrorCode.PAYLOAD_TOO_LARGE,
                    "the request body exceeds " + maxBodyBytes + " bytes and cannot be verified");
        }
        Set<String> missing = new LinkedHashSet<>(requiredComponents);
        if (requireContentDigestWithBody && body.length > 0) {
            missing.add("content-digest");
        }
        missing.removeAll(names);
        if (!missing.isEmpty()) {
            return reject("the signature must cover " + String.join(", ", missing));
        }

        byte[] base;
        try {
            base = MessageSignatures.signatureBase(new RequestMessage(request, scheme), covered);
        } catch (IllegalArgumentException e) {
            return reject(e.getMessage());
        }
        if (!key.algorithm().verify(key.key(), base, signature.value())) {
            return reject("the signature does not verify");
        }
        if (names.contains("content-digest")) {
            String mismatch = ContentDigest.mismatch(String.join(", ",
                    request.exchange().headerValues("Content-Digest")), body);
            if (mismatch != null) {
                return reject(mismatch);
            }
        }
        if (nonce != null) {
            long created = params.get("created") instanceof Long value ? value
                    : clock.instant().getEpochSecond();
            Instant until = Instant.ofEpochSecond(created + maxAgeSeconds + skewSeconds + 1);
            boolean firstUse;
            try {
                firstUse = nonces.firstUse(keyId, (String) nonce, until);
            } catch (RuntimeException e) {
                // A shared nonce store that is down: refusing is safe, accepting would allow
                // replays. Not the caller's fault, so 503, not 401.
                return new AuthResult.Rejected(ErrorCode.SERVICE_UNAVAILABLE,
                        "replay protection is unavailable; retry shortly", 1);
            }
            if (!firstUse) {
                return reject("the signature's nonce was already used");
            }
        }
        return new AuthResult.Authenticated(key.principal(), CONSUMED);
    }

    private AuthResult checkTime(Map<String, Object> params) {
        long now = clock.instant().getEpochSecond();
        Object created = params.get("created");
        if (created == null) {
            return reject("the signature has no created time");
        }
        if (!(created instanceof Long createdAt)) {
            return reject("the signature's created is not an integer");
        }
        if (createdAt > now + skewSeconds) {
            return reject("the signature was created in the future");
        }
        if (now - createdAt > maxAgeSeconds + skewSeconds) {
            return reject("the signature is older than " + maxAgeSeconds + " seconds");
        }
        Object expires = params.get("expires");
        if (expires != null) {
            if (!(expires instanceof Long expiresAt)) {
                return reject("the signature's expires is not an integer");
            }
            if (now >= expiresAt + skewSeconds) {
                return reject("the signature has expired");
            }
        }
        return null;
    }

    /** Whether the body must be read: it is to be digested, or may need a digest. */
    private boolean needsBody(GatewayRequest request, Set<String> covered) {
        long length = request.exchange().contentLength();
        return length != 0 && (covered.contains("content-digest") || requireContentDigestWithBody);
    }

    private static AuthResult reject(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_SIGNATURE, detail);
    }

    /** A gateway request seen as a signed message. */
    private static final class RequestMessage implements SignedMessage {
        private final GatewayRequest request;
        private final String scheme;

        RequestMessage(GatewayRequest request, String scheme) {
            this.request = request;
            this.scheme = scheme;
        }

        @Override
        public String method() {
            return request.method();
        }

        @Override
        public String authority() {
            return request.header("Host");
        }

        @Override
        public String scheme() {
            return scheme;
        }

        @Override
        public String rawPath() {
            return request.exchange().rawPath();
        }

        @Override
        public String rawQuery() {
            return request.exchange().query();
        }

        @Override
        public int status() {
            return -1;
        }

        @Override
        public List<String> fieldLines(String lowerCaseName) {
            return request.exchange().headerValues(lowerCaseName);
        }
    }

    /** Collects an authenticator's policy. Not thread-safe. */
    public static final class Builder {
        private final SignatureKeyResolver keys;
        private NonceStore nonces;
        private Clock clock = Clock.systemUTC();
        private final Set<String> requiredComponents =
                new LinkedHashSet<>(List.of("@method", "@authority", "@path"));
        private boolean requireContentDigestWithBody = true;
        private Duration maxAge = Duration.ofMinutes(5);
        private Duration clockSkew = Duration.ofSeconds(30);
        private boolean requireNonce = true;
        private String label;
        private String requiredTag;
        private String scheme = "https";
        private int maxBodyBytes = 1 << 20;

        private Builder(SignatureKeyResolver keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /** Replaces the required components (default {@code @method @authority @path}). */
        public Builder requiredComponents(String... components) {
            requiredComponents.clear();
            requiredComponents.addAll(new ArrayList<>(List.of(components)));
            return this;
        }

        /** Whether requests with a body must cover {@code content-digest}; true by default. */
        public Builder requireContentDigestWithBody(boolean require) {
            this.requireContentDigestWithBody = require;
            return this;
        }

        /** Oldest {@code created} accepted; 5 minutes by default. */
        public Builder maxAge(Duration maxAge) {
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
            }
            this.maxAge = maxAge;
            return this;
        }

        /** Tolerated clock difference; 30 seconds by default, at most 5 minutes. */
        public Builder clockSkew(Duration skew) {
            if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("clock skew must be between 0 and 5 minutes, "
                        + "was " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /** Whether a nonce is required (replay protection); true by default. */
        public Builder requireNonce(boolean require) {
            this.requireNonce = require;
            return this;
        }

        /** Where used nonces are remembered; in memory (bounded to a million) by default. */
        public Builder nonceStore(NonceStore store) {
            this.nonces = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Verifies only the signature with this label. */
        public Builder label(String label) {
            this.label = Objects.requireNonNull(label, "label");
            return this;
        }

        /** Requires the {@code tag} parameter to equal {@code tag}. */
        public Builder requiredTag(String tag) {
            this.requiredTag = Objects.requireNonNull(tag, "tag");
            return this;
        }

        /**
         * The scheme clients used ({@code https} by default) for {@code @scheme} and
         * {@code @target-uri}; behind TLS termination the gateway cannot see it.
         */
        public Builder scheme(String scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            return this;
        }

        /** Largest body whose digest is checked (1 MiB by default); larger ones are refused. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 0) {
                throw new IllegalArgumentException("maxBodyBytes must not be negative, was "
                        + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public SignatureAuthenticator build() {
            return new SignatureAuthenticator(this);
        }
    }
}
