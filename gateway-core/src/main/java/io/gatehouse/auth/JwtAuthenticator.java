package io.gatehouse.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Authenticates requests by a signed JWT in {@code Authorization: Bearer}, strictly: the token
 * must come from a configured {@link JwtIssuer} (exact {@code iss}), be signed with an algorithm
 * on that issuer's allow-list by one of its keys, carry {@code exp}, {@code sub} and an
 * {@code aud} the issuer accepts, and be within {@code nbf}/{@code exp} allowing a bounded clock
 * skew. Unsecured ({@code alg: none}) and encrypted tokens, embedded or referenced keys
 * ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}), critical header parameters, oversized
 * tokens and key ids with control characters are refused. The key type decides the algorithm
 * family, so a public key can never serve as an HMAC secret.
 *
 * <p>A Bearer value that is not shaped like a JWT is {@link AuthResult.NoCredentials} (it may be
 * an API key); every refusal is {@link ErrorCode#INVALID_TOKEN} with a detail that never
 * contains the token.
 *
 * <p>Thread-safe.
 */
public final class JwtAuthenticator implements Authenticator {

    /** Registered claims that RFC 7519 defines as StringOrURI. */
    private static final ConsumedCredentials CONSUMED =
            ConsumedCredentials.headers("Authorization");
    private static final List<String> STRING_OR_URI_CLAIMS = List.of("iss", "sub", "jti");

    /** Largest clock skew a gateway may be configured to tolerate. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private static final Set<String> REFUSED_HEADERS = Set.of("jwk", "jku", "x5u", "x5c");

    private final Map<String, IssuerState> issuers;
    private final Clock clock;
    private final long skewMillis;
    private final int maxTokenBytes;

    private JwtAuthenticator(Builder builder) {
        Map<String, IssuerState> states = new HashMap<>();
        for (JwtIssuer issuer : builder.issuers) {
            JwksKeySource remote = issuer.jwksUri() == null ? null
                    : new JwksKeySource(issuer, builder.clock);
            states.put(issuer.issuer(), new IssuerState(issuer, remote));
        }
        this.issuers = Map.copyOf(states);
        this.clock = builder.clock;
        this.skewMillis = builder.clockSkew.toMillis();
        this.maxTokenBytes = builder.maxTokenBytes;
    }

    /** Starts an authenticator; add at least one issuer. */
    public static Builder builder() {
        return new Builder();
    }

    /** How often the keys of {@code issuer} were fetched from its JWKS URL; for tests. */
    long jwksFetches(String issuer) {
        IssuerState state = issuers.get(issuer);
        return state == null || state.remote == null ? 0 : state.remote.fetches();
    }

    @Override
    public List<Credential> credentials() {
        return List.of(Credential.BEARER_JWT);
    }

    @Override
    public AuthResult authenticate(GatewayRequest request) {
        String token = ApiKeyAuthenticator.bearerValue(request.header("Authorization"));
        if (token == null || !ApiKeyAuthenticator.looksLikeJwt(token)) {
            return AuthResult.noCredentials();
        }
        if (token.length() > maxTokenBytes) {
            return reject("the token exceeds " + maxTokenBytes + " bytes");
        }
        if (token.chars().filter(c -> c == '.').count() != 2) {
            return reject("encrypted tokens are not accepted");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        Map<String, Object> payload;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
            // The claims set turns a numeric iss, sub or jti into text; RFC 7519 says
            // StringOrURI, so the payload as sent decides.
            payload = jwt.getPayload().toJSONObject();
        } catch (ParseException | RuntimeException e) {
            // Includes alg "none": its header is not a JWS header.
            return reject("the token is malformed");
        }
        if (payload == null) {
            return reject("the token is malformed");
        }
        for (String name : STRING_OR_URI_CLAIMS) {
            Object value = payload.get(name);
            if (value != null && !(value instanceof String)) {
                return reject("the token's " + name + " claim is not a string");
            }
        }
        JWSHeader header = jwt.getHeader();
        Map<String, Object> headerFields = header.toJSONObject();
        for (String name : REFUSED_HEADERS) {
            if (headerFields.containsKey(name)) {
                return reject("the token header carries '" + name + "'; keys are never taken "
                        + "from a token");
            }
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            return reject("the token has critical header parameters this gateway does not "
                    + "understand");
        }
        String issuerName = claims.getIssuer();
        IssuerState state = issuerName == null ? null : issuers.get(issuerName);
        if (state == null) {
            return reject("the token's issuer is not trusted");
        }
        JwtIssuer issuer = state.issuer;
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!issuer.algorithms().contains(algorithm)) {
            return reject("the token's algorithm is not allowed for its issuer");
        }
        if (issuer.type() != null && !typeMatches(issuer.type(), header.getType())) {
            return reject("the token's type (typ) is not " + issuer.type());
        }
        String keyId = header.getKeyID();
        if (keyId != null && !plausibleKeyId(keyId)) {
            return reject("the token's key id is malformed");
        }
        List<JWK> candidates = state.candidates(keyId, algorithm);
        if (candidates == null) {
            return new AuthResult.Rejected(ErrorCode.SERVICE_UNAVAILABLE,
                    "the keys of the token's issuer are not available");
        }
        boolean verified = false;
        for (JWK key : candidates) {
            if (JwsKeys.verify(key, jwt)) {
                verified = true;
                break;
            }
        }
        if (!verified) {
            // Whether the kid exists is not the caller's business: one detail for both.
            return AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_TOKEN,
                    "the token's signature is not valid", candidates.isEmpty()
                            ? "no key of the issuer matches the token"
                            : "the token's signature is not valid");
        }
        Object subject = payload.get(issuer.subjectClaim());
        if (subject != null && !(subject instanceof String)) {
            return reject("the token's subject (" + issuer.subjectClaim() + ") is not a string");
        }
        return checkClaims(issuer, claims);
    }

    private AuthResult checkClaims(JwtIssuer issuer, JWTClaimsSet claims) {
        Instant now = clock.instant();
        Date expires = claims.getExpirationTime();
        if (expires == null) {
            return reject("the token has no expiry (exp)");
        }
        if (!now.isBefore(expires.toInstant().plusMillis(skewMillis))) {
            return reject("the token has expired");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.plusMillis(skewMillis).isBefore(notBefore.toInstant())) {
            return reject("the token is not valid yet (nbf)");
        }
        Date issuedAt = claims.getIssueTime();
        if (issuedAt != null && now.plusMillis(skewMillis).isBefore(issuedAt.toInstant())) {
            return reject("the token was issued in the future (iat)");
        }
        List<String> audience = claims.getAudience();
        if (audience.isEmpty()) {
            return reject("the token has no audience (aud)");
        }
        if (audience.stream().noneMatch(issuer.audiences()::contains)) {
            return reject("the token is not meant for this audience");
        }
        String subject = stringClaim(claims, issuer.subjectClaim());
        if (subject == null || subject.isBlank()) {
            return reject("the token has no subject (" + issuer.subjectClaim() + ")");
        }
        String tier = stringClaim(claims, issuer.tierClaim());
        Set<String> permissions = new LinkedHashSet<>(strings(claims, issuer.permissionsClaim()));
        permissions.addAll(strings(claims, issuer.scopeClaim()));
        String credentialId = claims.getJWTID() == null ? "jwt" : claims.getJWTID();
        return new AuthResult.Authenticated(new Principal(subject,
                tier == null || tier.isBlank() ? issuer.defaultTier() : tier,
                strings(claims, issuer.rolesClaim()), permissions, credentialId), CONSUMED);
    }

    private static boolean typeMatches(String required, JOSEObjectType actual) {
        if (actual == null) {
            return false;
        }
        String type = actual.getType().toLowerCase(Locale.ROOT);
        String wanted = required.toLowerCase(Locale.ROOT);
        return type.equals(wanted) || type.equals("application/" + wanted);
    }

    /** Key ids are opaque, but never long, empty or containing controls or spaces. */
    private static boolean plausibleKeyId(String keyId) {
        if (keyId.isEmpty() || keyId.length() > 256) {
            return false;
        }
        for (int i = 0; i < keyId.length(); i++) {
            char c = keyId.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value instanceof String text ? text : null;
    }

    /** A claim that is a list of strings or a space-separated string (like OAuth scope). */
    private static Set<String> strings(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        Set<String> strings = new LinkedHashSet<>();
        if (value instanceof String text) {
            for (String part : text.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    strings.add(part);
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object element : list) {
                if (element instanceof String text && !text.isEmpty()) {
                    strings.add(text);
                }
            }
        }
        return strings;
    }

    private static AuthResult reject(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_TOKEN, detail);
    }

    /** One issuer with its key source. */
    private static final class IssuerState {
        private final JwtIssuer issuer;
        private final JwksKeySource remote;

        IssuerState(JwtIssuer issuer, JwksKeySource remote) {
            this.issuer = issuer;
            this.remote = remote;
        }

        /**
         * Keys that may verify a token with {@code keyId} and {@code algorithm}: keys with that
         * id, plus, for configured keys, keys without an id. Empty when none fits; {@code null}
         * when the issuer's keys cannot be fetched at all.
         */
        List<JWK> candidates(String keyId, JWSAlgorithm algorithm) {
            if (remote == null) {
                return select(issuer.keys(), keyId, algorithm, true);
            }
            List<JWK> keys = remote.keys(false);
            if (keys == null) {
                return null;
            }
            List<JWK> selected = select(keys, keyId, algorithm, false);
            if (selected.isEmpty() && keyId != null) {
                // Perhaps the issuer rotated its keys: fetch again, at a bounded rate.
                keys = remote.keys(true);
                selected = keys == null ? List.of() : select(keys, keyId, algorithm, false);
            }
            return selected;
        }

        private static List<JWK> select(List<JWK> keys, String keyId, JWSAlgorithm algorithm,
                boolean unnamedMatchesAny) {
            List<JWK> selected = new ArrayList<>(1);
            for (JWK key : keys) {
                boolean idMatches = keyId == null || keyId.equals(key.getKeyID())
                        || unnamedMatchesAny && key.getKeyID() == null;
                if (idMatches && JwsKeys.fits(key, algorithm)) {
                    selected.add(key);
                }
            }
            return selected;
        }
    }

    /** Collects an authenticator's issuers and limits. Not thread-safe. */
    public static final class Builder {
        private final List<JwtIssuer> issuers = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private Duration clockSkew = Duration.ofSeconds(60);
        private int maxTokenBytes = 8192;

        private Builder() {
        }

        /** Trusts {@code issuer}; issuers are told apart by their exact {@code iss}. */
        public Builder issuer(JwtIssuer issuer) {
            Objects.requireNonNull(issuer, "issuer");
            for (JwtIssuer existing : issuers) {
                if (existing.issuer().equals(issuer.issuer())) {
                    throw new IllegalArgumentException("issuer " + issuer.issuer()
                            + " is configured twice");
                }
            }
            issuers.add(issuer);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Tolerated clock difference for exp, nbf and iat; 60 s by default, at most 5 min. */
        public Builder clockSkew(Duration skew) {
            if (skew.isNegative() || skew.compareTo(MAX_CLOCK_SKEW) > 0) {
                throw new IllegalArgumentException("clock skew must be between 0 and "
                        + MAX_CLOCK_SKEW + ", was " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /** Longest token accepted, in bytes; 8192 by default. */
        public Builder maxTokenBytes(int maxTokenBytes) {
            if (maxTokenBytes < 256) {
                throw new IllegalArgumentException("maxTokenBytes must be at least 256, was "
                        + maxTokenBytes);
            }
            this.maxTokenBytes = maxTokenBytes;
            return this;
        }

        public JwtAuthenticator build() {
            if (issuers.isEmpty()) {
                throw new IllegalArgumentException("a JWT authenticator needs at least one issuer");
            }
            return new JwtAuthenticator(this);
        }
    }
}
