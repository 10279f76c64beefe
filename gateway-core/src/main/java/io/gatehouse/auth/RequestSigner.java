package io.gatehouse.auth;

import io.gatehouse.auth.StructuredFields.InnerList;
import io.gatehouse.auth.StructuredFields.Item;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Signs outgoing requests with RFC 9421 HTTP Message Signatures, for Java clients of a gateway
 * that uses {@link SignatureAuthenticator}. By default it covers {@code @method},
 * {@code @authority}, {@code @path} and {@code @query}, plus {@code content-digest} (added as
 * RFC 9530 sha-256) when there is a body, and sets {@code created}, {@code keyid}, {@code alg}
 * and a random {@code nonce}.
 *
 * <pre>{@code
 * RequestSigner signer = RequestSigner.builder("client-1", SignatureAlgorithm.ED25519, privateKey)
 *         .build();
 * Map<String, String> added = signer.sign("POST", uri, headers, body);
 * added.forEach(requestBuilder::header);
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class RequestSigner {

    private final String keyId;
    private final SignatureAlgorithm algorithm;
    private final Key key;
    private final List<String> components;
    private final String label;
    private final Clock clock;
    private final Duration validity;
    private final boolean nonce;
    private final String tag;
    private final SecureRandom random;

    private RequestSigner(Builder builder) {
        this.keyId = builder.keyId;
        this.algorithm = builder.algorithm;
        this.key = builder.key;
        this.components = List.copyOf(builder.components);
        this.label = builder.label;
        this.clock = builder.clock;
        this.validity = builder.validity;
        this.nonce = builder.nonce;
        this.tag = builder.tag;
        this.random = builder.random;
    }

    /**
     * Starts a signer for key {@code keyId}: {@code signingKey} is the shared secret
     * ({@link javax.crypto.SecretKey}) for HMAC, or the private key otherwise.
     */
    public static Builder builder(String keyId, SignatureAlgorithm algorithm, Key signingKey) {
        return new Builder(keyId, algorithm, signingKey);
    }

    /**
     * Signs a request.
     *
     * @param method  the request method
     * @param uri     the absolute request URI (scheme, authority, raw path and query)
     * @param headers the request's header fields (names in any case); covered fields must be here
     * @param body    the body bytes, empty for none
     * @return the header fields to add, in order: {@code Content-Digest} (when there is a body),
     *     {@code Signature-Input} and {@code Signature}
     * @throws IllegalArgumentException when a covered header field is missing
     */
    public Map<String, String> sign(String method, URI uri, Map<String, List<String>> headers,
            byte[] body) {
        Map<String, List<String>> fields = new TreeMap<>();
        headers.forEach((name, values) -> fields.put(name.toLowerCase(Locale.ROOT), values));
        Map<String, String> added = new LinkedHashMap<>();
        List<Item> covered = new ArrayList<>();
        for (String component : components) {
            covered.add(new Item(component, Map.of()));
        }
        if (body.length > 0) {
            String digest = ContentDigest.sha256(body);
            fields.put("content-digest", List.of(digest));
            added.put("Content-Digest", digest);
            covered.add(new Item("content-digest", Map.of()));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        long created = clock.instant().getEpochSecond();
        params.put("created", created);
        if (validity != null) {
            params.put("expires", created + validity.toSeconds());
        }
        params.put("keyid", keyId);
        params.put("alg", algorithm.id());
        if (nonce) {
            byte[] bytes = new byte[18];
            random.nextBytes(bytes);
            params.put("nonce", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        }
        if (tag != null) {
            params.put("tag", tag);
        }
        InnerList input = new InnerList(covered, params);
        byte[] base = MessageSignatures.signatureBase(new ClientRequest(method, uri, fields),
                input);
        byte[] signature;
        try {
            signature = algorithm.sign(key, base);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with " + algorithm.id() + " failed", e);
        }
        added.put("Signature-Input", label + "=" + StructuredFields.serialize(input));
        added.put("Signature", label + "=:" + Base64.getEncoder().encodeToString(signature) + ":");
        return added;
    }

    /** A client request seen as a signed message. */
    private record ClientRequest(String method, URI uri, Map<String, List<String>> fields)
            implements SignedMessage {

        @Override
        public String authority() {
            return uri.getRawAuthority();
        }

        @Override
        public String scheme() {
            return uri.getScheme();
        }

        @Override
        public String rawPath() {
            return uri.getRawPath() == null ? "" : uri.getRawPath();
        }

        @Override
        public String rawQuery() {
            return uri.getRawQuery() == null ? "" : uri.getRawQuery();
        }

        @Override
        public int status() {
            return -1;
        }

        @Override
        public List<String> fieldLines(String lowerCaseName) {
            return fields.getOrDefault(lowerCaseName, List.of());
        }
    }

    /** Collects a signer's settings. Not thread-safe. */
    public static final class Builder {
        private final String keyId;
        private final SignatureAlgorithm algorithm;
        private final Key key;
        private final List<String> components =
                new ArrayList<>(List.of("@method", "@authority", "@path", "@query"));
        private String label = "sig1";
        private Clock clock = Clock.systemUTC();
        private Duration validity;
        private boolean nonce = true;
        private String tag;
        private SecureRandom random = new SecureRandom();

        private Builder(String keyId, SignatureAlgorithm algorithm, Key key) {
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            this.key = Objects.requireNonNull(key, "key");
            algorithm.checkKey(key);
        }

        /** Replaces the covered components (content-digest is added for bodies regardless). */
        public Builder components(String... components) {
            this.components.clear();
            this.components.addAll(List.of(components));
            return this;
        }

        public Builder label(String label) {
            this.label = Objects.requireNonNull(label, "label");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Adds {@code expires} this long after {@code created}. */
        public Builder validity(Duration validity) {
            this.validity = Objects.requireNonNull(validity, "validity");
            return this;
        }

        /** Whether to add a random nonce; true by default. */
        public Builder nonce(boolean nonce) {
            this.nonce = nonce;
            return this;
        }

        public Builder tag(String tag) {
            this.tag = Objects.requireNonNull(tag, "tag");
            return this;
        }

        public Builder random(SecureRandom random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        public RequestSigner build() {
            return new RequestSigner(this);
        }
    }
}
