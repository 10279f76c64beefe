package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.auth.ApiKeyAuthenticator;
import io.gatehouse.auth.ApiKeyFormat;
import io.gatehouse.auth.ApiKeyGenerator;
import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.FileApiKeyStore;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.JwtAuthenticator;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.auth.KeyHasher;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The authentication sections of a configuration file, {@code api_keys:}, {@code jwt:},
 * {@code signatures:} and {@code auth_failures:}, read and checked once, and the authenticator
 * they describe.
 *
 * <p>Secrets (pepper, plaintext keys, HMAC secrets) must come from environment variables, never
 * from the file itself, and never appear in an error message.
 *
 * <p>Immutable.
 */
final class AuthSection {

    private static final Set<String> API_KEY_KEYS = Set.of("pepper", "file", "keys");
    private static final Set<String> KEY_KEYS = Set.of("id", "owner", "tier", "roles",
            "permissions", "hash", "plaintext_env", "hint", "expires", "allow_from", "deny_from");
    private static final Set<String> JWT_KEYS = Set.of("issuers", "clock_skew",
            "max_token_bytes");
    private static final Set<String> ISSUER_KEYS = Set.of("issuer", "audiences", "algorithms",
            "jwks_url", "keys_file", "hmac_secret", "hmac_key_id", "type", "default_tier",
            "claims", "jwks_ttl", "jwks_min_refresh_interval", "connect_timeout",
            "read_timeout");
    private static final Set<String> CLAIM_KEYS = Set.of("subject", "tier", "roles",
            "permissions", "scope");
    private static final Set<String> GUARD_KEYS = Set.of("enabled", "max_failures", "period",
            "max_tracked_addresses");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");

    /** One key of {@code api_keys.keys}: only its hash is kept. */
    record ConfiguredKey(String id, String hash, String hint, String owner, String tier,
            Set<String> roles, Set<String> permissions, Instant expires, List<String> allowFrom,
            List<String> denyFrom, String where) {
    }

    /** The brute-force guard's settings; {@code enabled} false means no guard. */
    record Guard(boolean enabled, int maxFailures, Duration period, long maxTrackedAddresses) {
        static final Guard DEFAULT = new Guard(true, 10, Duration.ofMinutes(1), 100_000);
    }

    private final boolean apiKeysConfigured;
    private final KeyHasher hasher;
    private final Path keyFile;
    private final List<ConfiguredKey> keys;
    private final List<JwtIssuer> issuers;
    private final Duration clockSkew;
    private final Integer maxTokenBytes;
    private final SignatureSection signatures;
    private final Guard guard;

    private AuthSection(boolean apiKeysConfigured, KeyHasher hasher, Path keyFile,
            List<ConfiguredKey> keys, List<JwtIssuer> issuers, Duration clockSkew,
            Integer maxTokenBytes, SignatureSection signatures, Guard guard) {
        this.apiKeysConfigured = apiKeysConfigured;
        this.hasher = hasher;
        this.keyFile = keyFile;
        this.keys = List.copyOf(keys);
        this.issuers = List.copyOf(issuers);
        this.clockSkew = clockSkew;
        this.maxTokenBytes = maxTokenBytes;
        this.signatures = signatures;
        this.guard = guard;
    }

    /** Reads the four sections; each node may be {@code null} when the section is absent. */
    static AuthSection read(ConfigReader reader, JsonNode apiKeys, JsonNode jwt,
            JsonNode signatureNode, JsonNode authFailures) {
        KeyHasher hasher = KeyHasher.sha256();
        Path keyFile = null;
        List<ConfiguredKey> keys = List.of();
        if (apiKeys != null) {
            ConfigReader.requireMapping(apiKeys, "api_keys", API_KEY_KEYS);
            if (apiKeys.has("pepper")) {
                hasher = pepper(reader, apiKeys.get("pepper"), "api_keys.pepper");
            }
            if (apiKeys.has("file")) {
                String file = reader.text(apiKeys.get("file"), "api_keys.file").strip();
                if (!file.isEmpty()) {
                    try {
                        keyFile = Path.of(file);
                    } catch (InvalidPathException e) {
                        throw new GatewayConfigException("api_keys.file: '" + file
                                + "' is not a file path", e);
                    }
                }
            }
            if (apiKeys.has("keys") && !apiKeys.get("keys").isNull()) {
                keys = keys(reader, apiKeys.get("keys"), hasher);
            }
        }
        List<JwtIssuer> issuers = new ArrayList<>();
        Duration clockSkew = null;
        Integer maxTokenBytes = null;
        if (jwt != null) {
            ConfigReader.requireMapping(jwt, "jwt", JWT_KEYS);
            if (!jwt.has("issuers")) {
                throw new GatewayConfigException("jwt.issuers: is required");
            }
            List<JsonNode> nodes = ConfigReader.list(jwt.get("issuers"), "jwt.issuers");
            Set<String> names = new HashSet<>();
            for (int i = 0; i < nodes.size(); i++) {
                JwtIssuer issuer = issuer(reader, nodes.get(i), "jwt.issuers[" + i + "]");
                if (!names.add(issuer.issuer())) {
                    throw new GatewayConfigException("jwt.issuers[" + i + "].issuer: '"
                            + issuer.issuer() + "' is configured twice");
                }
                issuers.add(issuer);
            }
            if (jwt.has("clock_skew")) {
                clockSkew = reader.duration(jwt.get("clock_skew"), "jwt.clock_skew");
                if (clockSkew.compareTo(JwtAuthenticator.MAX_CLOCK_SKEW) > 0) {
                    throw new GatewayConfigException("jwt.clock_skew: '"
                            + Durations.format(clockSkew) + "' is more than the 5m allowed");
                }
            }
            if (jwt.has("max_token_bytes")) {
                maxTokenBytes = (int) reader.integer(jwt.get("max_token_bytes"),
                        "jwt.max_token_bytes", 256, 1 << 20);
            }
        }
        SignatureSection signatures = signatureNode == null
                ? null : SignatureSection.read(reader, signatureNode);
        Guard guard = Guard.DEFAULT;
        if (authFailures != null) {
            guard = guard(reader, authFailures);
        }
        return new AuthSection(apiKeys != null, hasher, keyFile, keys, issuers, clockSkew,
                maxTokenBytes, signatures, guard);
    }

    private static KeyHasher pepper(ConfigReader reader, JsonNode node, String where) {
        if (node.isNull()) {
            return KeyHasher.sha256();
        }
        requireVariable(node, where, "GATEHOUSE_PEPPER");
        byte[] pepper = reader.text(node, where).getBytes(StandardCharsets.UTF_8);
        if (pepper.length == 0) {
            return KeyHasher.sha256();
        }
        if (pepper.length < 16) {
            // The value is a secret: say how long it is, never what it is.
            throw new GatewayConfigException(where + ": a pepper needs at least 16 bytes, the "
                    + "configured one has " + pepper.length);
        }
        return KeyHasher.hmacSha256(pepper);
    }

    /** Secrets must not sit in the file: their value must come from a variable. */
    static void requireVariable(JsonNode node, String where, String example) {
        // "$${" is an escaped, literal "${": it does not make the value come from a variable.
        if (!node.isTextual() || !node.textValue().replace("$${", "").contains("${")) {
            throw new GatewayConfigException(where + ": a secret must come from an environment "
                    + "variable, e.g. ${" + example + "}, never from the file itself");
        }
    }

    private static List<ConfiguredKey> keys(ConfigReader reader, JsonNode node,
            KeyHasher hasher) {
        List<JsonNode> nodes = ConfigReader.list(node, "api_keys.keys");
        List<ConfiguredKey> keys = new ArrayList<>(nodes.size());
        Set<String> ids = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            String where = "api_keys.keys[" + i + "]";
            ConfiguredKey key = key(reader, nodes.get(i), where, hasher);
            if (!ids.add(key.id())) {
                throw new GatewayConfigException(where + ".id: '" + key.id()
                        + "' is used by an earlier key");
            }
            if (!hashes.add(key.hash())) {
                throw new GatewayConfigException(where + ": the same key as an earlier entry");
            }
            keys.add(key);
        }
        return keys;
    }

    private static ConfiguredKey key(ConfigReader reader, JsonNode node, String where,
            KeyHasher hasher) {
        ConfigReader.requireMapping(node, where, KEY_KEYS);
        String id = reader.requiredText(node, "id", where).strip();
        if (!KEY_ID.matcher(id).matches()) {
            throw new GatewayConfigException(where + ".id: '" + id + "' is not a key id "
                    + "(1 to 64 letters, digits, '_', '-' or '.')");
        }
        String owner = reader.requiredText(node, "owner", where).strip();
        String tier = reader.requiredText(node, "tier", where).strip();
        Set<String> roles = node.has("roles")
                ? Set.copyOf(reader.strings(node.get("roles"), where + ".roles")) : Set.of();
        Set<String> permissions = node.has("permissions")
                ? Set.copyOf(reader.strings(node.get("permissions"), where + ".permissions"))
                : Set.of();
        List<String> allowFrom = node.has("allow_from")
                ? reader.strings(node.get("allow_from"), where + ".allow_from") : List.of();
        List<String> denyFrom = node.has("deny_from")
                ? reader.strings(node.get("deny_from"), where + ".deny_from") : List.of();
        ApiKeySpec spec;
        try {
            spec = new ApiKeySpec(owner, tier, roles, permissions, null, allowFrom, denyFrom);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
        Instant expires = null;
        if (node.has("expires")) {
            String text = reader.text(node.get("expires"), where + ".expires").strip();
            try {
                expires = Instant.parse(text);
            } catch (DateTimeException e) {
                throw new GatewayConfigException(where + ".expires: '" + text + "' is not an "
                        + "ISO-8601 instant such as 2027-01-31T00:00:00Z", e);
            }
        }
        boolean byHash = node.has("hash");
        boolean byVariable = node.has("plaintext_env");
        if (byHash == byVariable) {
            throw new GatewayConfigException(where + ": give exactly one of hash (preferred: "
                    + "no key in the file) and plaintext_env (the name of an environment "
                    + "variable holding the key)");
        }
        String hash;
        String hint = node.has("hint") ? reader.text(node.get("hint"), where + ".hint") : "****";
        if (byHash) {
            String text = reader.text(node.get("hash"), where + ".hash").strip();
            if (!HASH.matcher(text).matches()) {
                // A wrong value here may well be a pasted key: do not repeat it.
                throw new GatewayConfigException(where + ".hash: must be the key's hash, 64 hex "
                        + "digits (SHA-256, or HMAC-SHA256 with the pepper); the value has "
                        + text.length() + " characters");
            }
            hash = text.toLowerCase(Locale.ROOT);
        } else {
            String variable = reader.text(node.get("plaintext_env"), where + ".plaintext_env")
                    .strip();
            String plaintext = reader.variable(variable);
            if (plaintext == null) {
                throw new GatewayConfigException(where + ".plaintext_env: environment variable '"
                        + variable + "' is not set");
            }
            ApiKeyRecord imported;
            try {
                imported = new ApiKeyGenerator(ApiKeyFormat.defaults(), hasher,
                        new SecureRandom(), Clock.systemUTC()).importRecord(plaintext, spec);
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(where + ".plaintext_env: the key in '"
                        + variable + "' cannot be used: " + e.getMessage(), e);
            }
            hash = imported.hash();
            if (!node.has("hint")) {
                hint = imported.hint();
            }
        }
        return new ConfiguredKey(id, hash, hint, owner, tier, spec.roles(), spec.permissions(),
                expires, spec.allowFrom(), spec.denyFrom(), where);
    }

    private static JwtIssuer issuer(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, ISSUER_KEYS);
        String name = reader.requiredText(node, "issuer", where);
        JwtIssuer.Builder issuer = JwtIssuer.builder(name);
        try {
            if (node.has("audiences")) {
                issuer.audiences(reader.strings(node.get("audiences"), where + ".audiences")
                        .toArray(new String[0]));
            }
            if (node.has("algorithms")) {
                List<String> algorithms = reader.strings(node.get("algorithms"),
                        where + ".algorithms");
                for (int i = 0; i < algorithms.size(); i++) {
                    String algorithm = algorithms.get(i).strip();
                    if (!JwtIssuer.SUPPORTED_ALGORITHMS.contains(algorithm)) {
                        throw new GatewayConfigException(where + ".algorithms[" + i + "]: '"
                                + algorithm + "' is not one of "
                                + new java.util.TreeSet<>(JwtIssuer.SUPPORTED_ALGORITHMS));
                    }
                    issuer.algorithms(algorithm);
                }
            }
            int sources = 0;
            if (node.has("jwks_url")) {
                sources++;
                String text = reader.text(node.get("jwks_url"), where + ".jwks_url").strip();
                URI uri;
                try {
                    uri = new URI(text);
                } catch (URISyntaxException e) {
                    throw new GatewayConfigException(where + ".jwks_url: '" + text
                            + "' is not a URL", e);
                }
                try {
                    issuer.jwksUri(uri);
                } catch (IllegalArgumentException e) {
                    throw new GatewayConfigException(where + ".jwks_url: " + e.getMessage(), e);
                }
            }
            if (node.has("keys_file")) {
                sources++;
                String file = reader.text(node.get("keys_file"), where + ".keys_file").strip();
                String json;
                try {
                    json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                } catch (IOException | InvalidPathException e) {
                    throw new GatewayConfigException(where + ".keys_file: cannot read '" + file
                            + "': " + e.getMessage(), e);
                }
                try {
                    issuer.keys(json);
                } catch (IllegalArgumentException e) {
                    throw new GatewayConfigException(where + ".keys_file: '" + file + "': "
                            + e.getMessage(), e);
                }
            }
            if (node.has("hmac_secret")) {
                sources++;
                requireVariable(node.get("hmac_secret"), where + ".hmac_secret",
                        "JWT_HMAC_SECRET");
                byte[] secret = reader.text(node.get("hmac_secret"), where + ".hmac_secret")
                        .getBytes(StandardCharsets.UTF_8);
                String keyId = node.has("hmac_key_id")
                        ? reader.text(node.get("hmac_key_id"), where + ".hmac_key_id") : null;
                try {
                    issuer.hmacSecret(keyId, secret);
                } catch (IllegalArgumentException e) {
                    throw new GatewayConfigException(where + ".hmac_secret: the secret has "
                            + secret.length + " bytes and cannot be used: an HMAC secret needs "
                            + "at least 32 bytes", e);
                }
            } else if (node.has("hmac_key_id")) {
                throw new GatewayConfigException(where + ".hmac_key_id: only with hmac_secret");
            }
            if (sources != 1) {
                throw new GatewayConfigException(where + ": give exactly one of jwks_url, "
                        + "keys_file and hmac_secret");
            }
            if (node.has("type")) {
                issuer.type(reader.text(node.get("type"), where + ".type").strip());
            }
            if (node.has("default_tier")) {
                issuer.defaultTier(reader.requiredText(node, "default_tier", where).strip());
            }
            if (node.has("claims")) {
                JsonNode claims = node.get("claims");
                String claimsWhere = where + ".claims";
                ConfigReader.requireMapping(claims, claimsWhere, CLAIM_KEYS);
                issuer.claims(claim(reader, claims, "subject", "sub", claimsWhere),
                        claim(reader, claims, "tier", "tier", claimsWhere),
                        claim(reader, claims, "roles", "roles", claimsWhere),
                        claim(reader, claims, "permissions", "permissions", claimsWhere),
                        claim(reader, claims, "scope", "scope", claimsWhere));
            }
            if (node.has("jwks_ttl")) {
                issuer.jwksTtl(positive(reader, node.get("jwks_ttl"), where + ".jwks_ttl"));
            }
            if (node.has("jwks_min_refresh_interval")) {
                issuer.jwksMinRefreshInterval(positive(reader,
                        node.get("jwks_min_refresh_interval"),
                        where + ".jwks_min_refresh_interval"));
            }
            if (node.has("connect_timeout") || node.has("read_timeout")) {
                Duration connect = node.has("connect_timeout")
                        ? positive(reader, node.get("connect_timeout"), where + ".connect_timeout")
                        : Duration.ofSeconds(2);
                Duration read = node.has("read_timeout")
                        ? positive(reader, node.get("read_timeout"), where + ".read_timeout")
                        : Duration.ofSeconds(3);
                issuer.timeouts(connect, read);
            }
            return issuer.build();
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static String claim(ConfigReader reader, JsonNode claims, String key,
            String standard, String where) {
        return claims.has(key) ? reader.requiredText(claims, key, where).strip() : standard;
    }

    private static Duration positive(ConfigReader reader, JsonNode node, String where) {
        Duration duration = reader.duration(node, where);
        if (duration.isZero()) {
            throw new GatewayConfigException(where + ": must be longer than 0");
        }
        return duration;
    }

    private static Guard guard(ConfigReader reader, JsonNode node) {
        String where = "auth_failures";
        ConfigReader.requireMapping(node, where, GUARD_KEYS);
        boolean enabled = !node.has("enabled") || reader.bool(node.get("enabled"),
                where + ".enabled");
        int maxFailures = node.has("max_failures")
                ? (int) reader.integer(node.get("max_failures"), where + ".max_failures", 1,
                        1_000_000)
                : Guard.DEFAULT.maxFailures();
        Duration period = node.has("period")
                ? positive(reader, node.get("period"), where + ".period")
                : Guard.DEFAULT.period();
        long tracked = node.has("max_tracked_addresses")
                ? reader.integer(node.get("max_tracked_addresses"),
                        where + ".max_tracked_addresses", 1, 100_000_000)
                : Guard.DEFAULT.maxTrackedAddresses();
        return new Guard(enabled, maxFailures, period, tracked);
    }

    /** Whether the file has an {@code api_keys:} section. */
    boolean apiKeysConfigured() {
        return apiKeysConfigured;
    }

    KeyHasher hasher() {
        return hasher;
    }

    List<ConfiguredKey> keys() {
        return keys;
    }

    List<JwtIssuer> issuers() {
        return issuers;
    }

    Guard guard() {
        return guard;
    }

    /** Tier and location of each signature key, for cross-checks; empty without signatures. */
    List<String[]> signatureTiers() {
        return signatures == null ? List.of() : signatures.tiers();
    }

    /** The key store the file names: its key file, else a new in-memory store. */
    Optional<ApiKeyStore> openStore() {
        if (!apiKeysConfigured) {
            return Optional.empty();
        }
        if (keyFile == null) {
            return Optional.of(new InMemoryApiKeyStore());
        }
        try {
            return Optional.of(FileApiKeyStore.open(keyFile));
        } catch (RuntimeException e) {
            throw new GatewayConfigException("api_keys.file: " + e.getMessage(), e);
        }
    }

    /**
     * The authenticator: API keys from {@code store} (when not {@code null}), then JWTs of the
     * configured issuers, then request signatures, behind the brute-force guard. The file's
     * keys are saved to the store first.
     */
    Authenticator authenticator(ApiKeyStore store, Clock clock) {
        List<Authenticator> chain = new ArrayList<>(2);
        if (store != null) {
            importKeys(store, clock.instant());
            chain.add(ApiKeyAuthenticator.builder(store).hasher(hasher).clock(clock).build());
        }
        if (!issuers.isEmpty()) {
            JwtAuthenticator.Builder jwt = JwtAuthenticator.builder().clock(clock);
            issuers.forEach(jwt::issuer);
            if (clockSkew != null) {
                jwt.clockSkew(clockSkew);
            }
            if (maxTokenBytes != null) {
                jwt.maxTokenBytes(maxTokenBytes);
            }
            chain.add(jwt.build());
        }
        if (signatures != null) {
            chain.add(signatures.authenticator(clock));
        }
        if (chain.isEmpty()) {
            return Authenticator.none();
        }
        Authenticator authenticator = chain.size() == 1 ? chain.get(0)
                : Authenticator.firstOf(chain);
        if (!guard.enabled()) {
            return authenticator;
        }
        return AuthFailureGuard.builder(authenticator)
                .maxFailures(guard.maxFailures(), guard.period())
                .maximumTrackedAddresses(guard.maxTrackedAddresses())
                .clock(clock)
                .build();
    }

    /**
     * Saves the file's keys to {@code store}. A key already stored (same hash) keeps its id,
     * creation time, last use, revocation and rotation, and never gets a later expiry than it
     * has: the file sets owner, tier, grants and address lists, but cannot undo what an
     * administrator did. Running this again changes nothing.
     */
    void importKeys(ApiKeyStore store, Instant now) {
        for (ConfiguredKey key : keys) {
            Optional<ApiKeyRecord> stored = store.findByHash(key.hash());
            ApiKeyRecord record;
            if (stored.isPresent()) {
                ApiKeyRecord old = stored.get();
                Instant expires = old.expiresAt() != null
                        && (key.expires() == null || old.expiresAt().isBefore(key.expires()))
                        ? old.expiresAt() : key.expires();
                record = new ApiKeyRecord(old.keyId(), old.hash(), key.hint(), key.owner(),
                        key.tier(), key.roles(), key.permissions(), old.createdAt(), expires,
                        old.lastUsedAt(), old.revokedAt(), old.rotatedTo(), key.allowFrom(),
                        key.denyFrom());
                if (record.equals(old)) {
                    continue;
                }
            } else {
                record = new ApiKeyRecord(key.id(), key.hash(), key.hint(), key.owner(),
                        key.tier(), key.roles(), key.permissions(), now, key.expires(), null,
                        null, null, key.allowFrom(), key.denyFrom());
            }
            try {
                store.save(record);
            } catch (RuntimeException e) {
                throw new GatewayConfigException(key.where() + ": cannot be saved to the key "
                        + "store: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "AuthSection[keys=" + keys.size() + ", issuers=" + issuers + ", guard=" + guard
                + "]";
    }
}
