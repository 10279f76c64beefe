package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.auth.Principal;
import io.gatehouse.auth.SignatureAlgorithm;
import io.gatehouse.auth.SignatureAuthenticator;
import io.gatehouse.auth.SignatureKey;
import io.gatehouse.auth.SignatureKeyResolver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code signatures:} section: RFC 9421 HTTP Message Signature keys and verification
 * settings, read and checked once; {@link #authenticator(Clock)} builds the authenticator.
 *
 * <p>Immutable.
 */
final class SignatureSection {

    private static final Set<String> SECTION_KEYS = Set.of("keys", "required_components",
            "require_content_digest", "max_age", "clock_skew", "require_nonce", "label", "tag",
            "scheme", "max_body_bytes");
    private static final Set<String> KEY_KEYS = Set.of("key_id", "algorithm", "secret",
            "public_key_file", "owner", "tier", "roles", "permissions");

    private final List<SignatureKey> keys;
    private final Settings settings;

    private SignatureSection(List<SignatureKey> keys, Settings settings) {
        this.keys = List.copyOf(keys);
        this.settings = settings;
    }

    /** Reads the section and checks every setting by building an authenticator once. */
    static SignatureSection read(ConfigReader reader, JsonNode node) {
        String where = "signatures";
        ConfigReader.requireMapping(node, where, SECTION_KEYS);
        if (!node.has("keys")) {
            throw new GatewayConfigException(where + ".keys: is required");
        }
        List<JsonNode> nodes = ConfigReader.list(node.get("keys"), where + ".keys");
        List<SignatureKey> keys = new ArrayList<>(nodes.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            String keyWhere = where + ".keys[" + i + "]";
            SignatureKey key = key(reader, nodes.get(i), keyWhere);
            if (!ids.add(key.keyId())) {
                throw new GatewayConfigException(keyWhere + ".key_id: '" + key.keyId()
                        + "' is used by an earlier key");
            }
            keys.add(key);
        }
        SignatureSection section = new SignatureSection(keys, Settings.read(reader, node, where));
        section.authenticator(Clock.systemUTC());
        return section;
    }

    /** The tier each key's principal is on, with the key's location, for cross-checks. */
    List<String[]> tiers() {
        List<String[]> tiers = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            tiers.add(new String[] {keys.get(i).principal().tier(),
                    "signatures.keys[" + i + "].tier"});
        }
        return tiers;
    }

    private static SignatureKey key(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, KEY_KEYS);
        String keyId = reader.requiredText(node, "key_id", where).strip();
        String algorithmName = reader.requiredText(node, "algorithm", where).strip();
        SignatureAlgorithm algorithm = SignatureAlgorithm.byId(algorithmName).orElseThrow(() ->
                new GatewayConfigException(where + ".algorithm: '" + algorithmName
                        + "' is not one of hmac-sha256, ed25519, ecdsa-p256-sha256, "
                        + "rsa-pss-sha512"));
        String owner = reader.requiredText(node, "owner", where).strip();
        String tier = reader.requiredText(node, "tier", where).strip();
        Set<String> roles = node.has("roles")
                ? Set.copyOf(reader.strings(node.get("roles"), where + ".roles")) : Set.of();
        Set<String> permissions = node.has("permissions")
                ? Set.copyOf(reader.strings(node.get("permissions"), where + ".permissions"))
                : Set.of();
        Key key;
        if (algorithm == SignatureAlgorithm.HMAC_SHA256) {
            if (!node.has("secret") || node.has("public_key_file")) {
                throw new GatewayConfigException(where + ": an hmac-sha256 key needs a secret "
                        + "and no public_key_file");
            }
            AuthSection.requireVariable(node.get("secret"), where + ".secret",
                    "PARTNER_SECRET");
            byte[] secret = reader.text(node.get("secret"), where + ".secret")
                    .getBytes(StandardCharsets.UTF_8);
            if (secret.length < 32) {
                throw new GatewayConfigException(where + ".secret: the secret has "
                        + secret.length + " bytes; an hmac-sha256 key needs at least 32");
            }
            key = new SecretKeySpec(secret, "HmacSHA256");
        } else {
            if (!node.has("public_key_file") || node.has("secret")) {
                throw new GatewayConfigException(where + ": an " + algorithm.id()
                        + " key needs a public_key_file (PEM) and no secret");
            }
            key = publicKey(reader.text(node.get("public_key_file"),
                    where + ".public_key_file").strip(), algorithm, where + ".public_key_file");
        }
        try {
            return new SignatureKey(keyId, algorithm, key,
                    new Principal(owner, tier, roles, permissions, keyId));
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    /** Reads a PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo). */
    private static Key publicKey(String file, SignatureAlgorithm algorithm, String where) {
        String pem;
        try {
            pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException | InvalidPathException e) {
            throw new GatewayConfigException(where + ": cannot read '" + file + "': "
                    + e.getMessage(), e);
        }
        String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
        String family = switch (algorithm) {
            case ED25519 -> "Ed25519";
            case ECDSA_P256_SHA256 -> "EC";
            default -> "RSA";
        };
        try {
            return KeyFactory.getInstance(family).generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": '" + file + "' is not a PEM " + family
                    + " public key (-----BEGIN PUBLIC KEY-----)", e);
        }
    }

    /** A signature authenticator of this section's keys and settings, on {@code clock}. */
    SignatureAuthenticator authenticator(Clock clock) {
        SignatureAuthenticator.Builder builder = SignatureAuthenticator.builder(
                SignatureKeyResolver.of(keys.toArray(new SignatureKey[0]))).clock(clock);
        try {
            settings.applyTo(builder);
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException("signatures: " + e.getMessage(), e);
        }
    }

    /** The verification settings; {@code null} fields keep the authenticator's defaults. */
    private record Settings(List<String> requiredComponents, Boolean requireContentDigest,
            Duration maxAge, Duration clockSkew, Boolean requireNonce, String label, String tag,
            String scheme, Integer maxBodyBytes) {

        static Settings read(ConfigReader reader, JsonNode node, String where) {
            return new Settings(
                    node.has("required_components") ? reader.strings(
                            node.get("required_components"), where + ".required_components")
                            : null,
                    node.has("require_content_digest") ? reader.bool(
                            node.get("require_content_digest"),
                            where + ".require_content_digest") : null,
                    node.has("max_age")
                            ? reader.duration(node.get("max_age"), where + ".max_age") : null,
                    node.has("clock_skew")
                            ? reader.duration(node.get("clock_skew"), where + ".clock_skew")
                            : null,
                    node.has("require_nonce")
                            ? reader.bool(node.get("require_nonce"), where + ".require_nonce")
                            : null,
                    node.has("label")
                            ? reader.text(node.get("label"), where + ".label").strip() : null,
                    node.has("tag") ? reader.text(node.get("tag"), where + ".tag").strip() : null,
                    node.has("scheme")
                            ? reader.text(node.get("scheme"), where + ".scheme").strip() : null,
                    node.has("max_body_bytes") ? (int) reader.integer(node.get("max_body_bytes"),
                            where + ".max_body_bytes", 0, Integer.MAX_VALUE - 1) : null);
        }

        void applyTo(SignatureAuthenticator.Builder builder) {
            if (requiredComponents != null) {
                builder.requiredComponents(requiredComponents.toArray(new String[0]));
            }
            if (requireContentDigest != null) {
                builder.requireContentDigestWithBody(requireContentDigest);
            }
            if (maxAge != null) {
                builder.maxAge(maxAge);
            }
            if (clockSkew != null) {
                builder.clockSkew(clockSkew);
            }
            if (requireNonce != null) {
                builder.requireNonce(requireNonce);
            }
            if (label != null) {
                builder.label(label);
            }
            if (tag != null) {
                builder.requiredTag(tag);
            }
            if (scheme != null) {
                builder.scheme(scheme);
            }
            if (maxBodyBytes != null) {
                builder.maxBodyBytes(maxBodyBytes);
            }
        }
    }
}
