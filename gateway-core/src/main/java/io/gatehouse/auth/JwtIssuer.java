package io.gatehouse.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import io.gatehouse.Cidr;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One trusted token issuer for {@link JwtAuthenticator}: its exact {@code iss}, the audiences
 * this gateway answers to, the signature algorithms it may use, where its keys come from (keys
 * in configuration, or a JWKS URL), an optional required {@code typ}, and how claims map to a
 * {@link Principal}.
 *
 * <p>Nothing is permissive by default: at least one algorithm, one audience and one key source
 * must be given; {@code exp} is always required.
 *
 * <p>Immutable.
 */
public final class JwtIssuer {

    /** The algorithms an issuer may be allowed. */
    public static final Set<String> SUPPORTED_ALGORITHMS = Set.of(
            "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA");

    private final String issuer;
    private final Set<String> audiences;
    private final Set<JWSAlgorithm> algorithms;
    private final List<JWK> keys;
    private final URI jwksUri;
    private final Duration jwksTtl;
    private final Duration jwksMinRefreshInterval;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final String type;
    private final String subjectClaim;
    private final String tierClaim;
    private final String rolesClaim;
    private final String permissionsClaim;
    private final String scopeClaim;
    private final String defaultTier;

    private JwtIssuer(Builder builder) {
        this.issuer = builder.issuer;
        this.audiences = Set.copyOf(builder.audiences);
        this.algorithms = Set.copyOf(builder.algorithms);
        this.keys = List.copyOf(builder.keys);
        this.jwksUri = builder.jwksUri;
        this.jwksTtl = builder.jwksTtl;
        this.jwksMinRefreshInterval = builder.jwksMinRefreshInterval;
        this.connectTimeout = builder.connectTimeout;
        this.readTimeout = builder.readTimeout;
        this.type = builder.type;
        this.subjectClaim = builder.subjectClaim;
        this.tierClaim = builder.tierClaim;
        this.rolesClaim = builder.rolesClaim;
        this.permissionsClaim = builder.permissionsClaim;
        this.scopeClaim = builder.scopeClaim;
        this.defaultTier = builder.defaultTier;
    }

    /** Starts the configuration of the issuer whose {@code iss} is exactly {@code issuer}. */
    public static Builder builder(String issuer) {
        return new Builder(issuer);
    }

    public String issuer() {
        return issuer;
    }

    /** Audiences accepted: a token's {@code aud} must contain at least one of them. */
    public Set<String> audiences() {
        return audiences;
    }

    public Set<JWSAlgorithm> algorithms() {
        return algorithms;
    }

    /** Keys given in configuration; empty when the keys come from {@link #jwksUri()}. */
    public List<JWK> keys() {
        return keys;
    }

    /** The JWKS URL, or {@code null} when keys are configured. */
    public URI jwksUri() {
        return jwksUri;
    }

    public Duration jwksTtl() {
        return jwksTtl;
    }

    public Duration jwksMinRefreshInterval() {
        return jwksMinRefreshInterval;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    /** The required {@code typ} header, or {@code null} when not checked. */
    public String type() {
        return type;
    }

    public String subjectClaim() {
        return subjectClaim;
    }

    public String tierClaim() {
        return tierClaim;
    }

    public String rolesClaim() {
        return rolesClaim;
    }

    public String permissionsClaim() {
        return permissionsClaim;
    }

    public String scopeClaim() {
        return scopeClaim;
    }

    /** The tier of principals whose token has no tier claim. */
    public String defaultTier() {
        return defaultTier;
    }

    @Override
    public String toString() {
        return "JwtIssuer[" + issuer + ", audiences=" + audiences + ", algorithms=" + algorithms
                + (jwksUri != null ? ", jwks=" + jwksUri : ", keys=" + keys.size()) + "]";
    }

    /** Collects an issuer's settings. Not thread-safe. */
    public static final class Builder {
        private static final Cidr LOOPBACK_V4 = Cidr.parse("127.0.0.0/8");
        private static final Cidr LOOPBACK_V6 = Cidr.parse("::1/128");

        private final String issuer;
        private final Set<String> audiences = new LinkedHashSet<>();
        private final Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        private final List<JWK> keys = new ArrayList<>();
        private URI jwksUri;
        private Duration jwksTtl = Duration.ofMinutes(10);
        private Duration jwksMinRefreshInterval = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration readTimeout = Duration.ofSeconds(3);
        private String type;
        private String subjectClaim = "sub";
        private String tierClaim = "tier";
        private String rolesClaim = "roles";
        private String permissionsClaim = "permissions";
        private String scopeClaim = "scope";
        private String defaultTier = "free";

        private Builder(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            if (issuer.isBlank()) {
                throw new IllegalArgumentException("issuer must not be blank");
            }
        }

        /** Audiences this gateway answers to; a token must name at least one. */
        public Builder audiences(String... audiences) {
            for (String audience : audiences) {
                this.audiences.add(Objects.requireNonNull(audience, "audience"));
            }
            return this;
        }

        /**
         * Signature algorithms this issuer may use, e.g. {@code RS256}; any other is refused.
         *
         * @throws IllegalArgumentException naming an algorithm that is not supported (such as
         *     {@code none})
         */
        public Builder algorithms(String... names) {
            for (String name : names) {
                if (!SUPPORTED_ALGORITHMS.contains(name)) {
                    throw new IllegalArgumentException("issuer " + issuer + ": algorithm '" + name
                            + "' is not supported; supported: " + SUPPORTED_ALGORITHMS);
                }
                algorithms.add(JWSAlgorithm.parse(name));
            }
            return this;
        }

        /**
         * Adds a verification key: an RSA (at least 2048 bits), EC or Ed25519 public key, or an
         * HMAC secret of at least 256 bits. Private parts are dropped.
         */
        public Builder key(JWK key) {
            keys.add(checkKey(key));
            return this;
        }

        /** Adds every key of a JWK Set given as JSON. */
        public Builder keys(String jwkSetJson) {
            try {
                for (JWK key : JWKSet.parse(jwkSetJson).getKeys()) {
                    key(key);
                }
            } catch (ParseException e) {
                throw new IllegalArgumentException("issuer " + issuer
                        + ": keys are not a JWK Set: " + e.getMessage(), e);
            }
            return this;
        }

        /** Adds an HMAC secret, with key id {@code keyId} (nullable to match any kid). */
        public Builder hmacSecret(String keyId, byte[] secret) {
            return key(new OctetSequenceKey.Builder(secret).keyID(keyId).build());
        }

        /**
         * Takes keys from a JWKS URL: {@code https}, or {@code http} to {@code localhost} or a
         * loopback IP literal ({@code 127.0.0.0/8}, {@code [::1]}); never {@code http} to another
         * host name, which could resolve anywhere.
         * Keys are cached for {@code jwksTtl} and fetched again early when a token names an
         * unknown {@code kid}, but never more often than {@code jwksMinRefreshInterval}.
         */
        public Builder jwksUri(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost() == null ? "" : uri.getHost();
            // Only what cannot resolve elsewhere: a name such as 127.example.com can.
            boolean loopback = host.equalsIgnoreCase("localhost") || LOOPBACK_V4.contains(host)
                    || LOOPBACK_V6.contains(host);
            if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
                throw new IllegalArgumentException("issuer " + issuer + ": JWKS URL must use "
                        + "https (http only to loopback), was " + uri);
            }
            this.jwksUri = uri;
            return this;
        }

        /** How long fetched keys are used before being fetched again. */
        public Builder jwksTtl(Duration ttl) {
            this.jwksTtl = positive(ttl, "jwksTtl");
            return this;
        }

        /** The least time between two JWKS fetches, whatever tokens arrive. */
        public Builder jwksMinRefreshInterval(Duration interval) {
            this.jwksMinRefreshInterval = positive(interval, "jwksMinRefreshInterval");
            return this;
        }

        /** Connect and read timeouts of JWKS fetches. */
        public Builder timeouts(Duration connect, Duration read) {
            this.connectTimeout = positive(connect, "connectTimeout");
            this.readTimeout = positive(read, "readTimeout");
            return this;
        }

        /** Requires the {@code typ} header to be {@code type} (e.g. {@code at+jwt}). */
        public Builder type(String type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** Claim names: subject ({@code sub}), tier, roles, permissions, scope. */
        public Builder claims(String subject, String tier, String roles, String permissions,
                String scope) {
            this.subjectClaim = Objects.requireNonNull(subject, "subject");
            this.tierClaim = Objects.requireNonNull(tier, "tier");
            this.rolesClaim = Objects.requireNonNull(roles, "roles");
            this.permissionsClaim = Objects.requireNonNull(permissions, "permissions");
            this.scopeClaim = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** The tier of principals whose token has no tier claim; {@code free} by default. */
        public Builder defaultTier(String tier) {
            this.defaultTier = Objects.requireNonNull(tier, "tier");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming what is missing: algorithms, audiences or keys
         */
        public JwtIssuer build() {
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("issuer " + issuer
                        + " needs an explicit algorithm allow-list");
            }
            if (audiences.isEmpty()) {
                throw new IllegalArgumentException("issuer " + issuer
                        + " needs at least one audience");
            }
            if (keys.isEmpty() == (jwksUri == null)) {
                throw new IllegalArgumentException("issuer " + issuer
                        + " needs either configured keys or a JWKS URL (exactly one of them)");
            }
            return new JwtIssuer(this);
        }

        private JWK checkKey(JWK key) {
            Objects.requireNonNull(key, "key");
            String problem = JwsKeys.unacceptable(key);
            if (problem != null) {
                throw new IllegalArgumentException("issuer " + issuer + ": " + problem);
            }
            return JwsKeys.publicPart(key);
        }

        private Duration positive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("issuer " + issuer + ": " + name
                        + " must be positive, was " + duration);
            }
            return duration;
        }
    }
}
