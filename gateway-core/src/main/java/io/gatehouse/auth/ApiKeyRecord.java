package io.gatehouse.auth;

import io.gatehouse.Cidr;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a key store keeps about one API key: never the key itself, only its hash and a display
 * hint, plus the owner, plan, grants and lifecycle timestamps.
 *
 * <p>Immutable.
 *
 * @param keyId       public identifier, safe to show and log (e.g. {@code kid_7fQ2...})
 * @param hash        the key's hash from {@link KeyHasher#hash(String)}, 64 lower-case hex digits
 * @param hint        a display form such as {@code sk_live_...a1B2}; never the whole key
 * @param principalId the owner, becomes {@link Principal#id()}
 * @param tier        the plan whose limits apply
 * @param roles       roles granted to callers using this key
 * @param permissions permissions (scopes) granted to callers using this key
 * @param createdAt   when the key was created or imported
 * @param expiresAt   when the key stops working; nullable, {@code null} means never
 * @param lastUsedAt  when the key last authenticated a request; nullable
 * @param revokedAt   when the key was revoked; nullable, {@code null} means not revoked
 * @param rotatedTo   the key id of the key that replaced this one; nullable
 * @param allowFrom   CIDR blocks callers with this key must come from; empty means anywhere
 * @param denyFrom    CIDR blocks callers with this key must not come from
 */
public record ApiKeyRecord(
        String keyId,
        String hash,
        String hint,
        String principalId,
        String tier,
        Set<String> roles,
        Set<String> permissions,
        Instant createdAt,
        Instant expiresAt,
        Instant lastUsedAt,
        Instant revokedAt,
        String rotatedTo,
        List<String> allowFrom,
        List<String> denyFrom) {

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    public ApiKeyRecord {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(hash, "hash");
        if (!HASH.matcher(hash).matches()) {
            throw new IllegalArgumentException("key " + keyId
                    + ": hash must be 64 lower-case hex digits (a key hash, never a key)");
        }
        Objects.requireNonNull(hint, "hint");
        Objects.requireNonNull(principalId, "principalId");
        Objects.requireNonNull(tier, "tier");
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
        Objects.requireNonNull(createdAt, "createdAt");
        allowFrom = List.copyOf(allowFrom);
        denyFrom = List.copyOf(denyFrom);
        // Fails here, naming the block, rather than on the first request with this key.
        Cidr.parseAll(allowFrom);
        Cidr.parseAll(denyFrom);
    }

    /** Whether a caller at {@code clientAddress} may use this key, per its address lists. */
    public boolean permitsAddress(String clientAddress) {
        if (allowFrom.isEmpty() && denyFrom.isEmpty()) {
            return true;
        }
        return Cidr.permits(Cidr.parseAll(allowFrom), Cidr.parseAll(denyFrom), clientAddress);
    }

    /** Whether the key has been revoked. */
    public boolean revoked() {
        return revokedAt != null;
    }

    /** Whether the key has expired at {@code now}; at the expiry instant itself it has. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** Whether the key may authenticate a request at {@code now}. */
    public boolean usableAt(Instant now) {
        return !revoked() && !expiredAt(now);
    }

    /** The state of a key at a given time. */
    public enum Status {
        ACTIVE, EXPIRED, REVOKED
    }

    /** This key's state at {@code now}; revocation wins over expiry. */
    public Status statusAt(Instant now) {
        return revoked() ? Status.REVOKED : expiredAt(now) ? Status.EXPIRED : Status.ACTIVE;
    }

    /**
     * What an administrator may see of this key, with snake_case names for JSON: every field
     * except the hash (an unpeppered hash of a weak key can be brute-forced), timestamps in
     * ISO-8601, absent ones as {@code null}, and {@code status} at {@code now}.
     */
    public Map<String, Object> publicView(Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key_id", keyId);
        view.put("hint", hint);
        view.put("principal", principalId);
        view.put("tier", tier);
        view.put("roles", new TreeSet<>(roles));
        view.put("permissions", new TreeSet<>(permissions));
        view.put("status", statusAt(now).name().toLowerCase(Locale.ROOT));
        view.put("created", createdAt.toString());
        view.put("expires", expiresAt == null ? null : expiresAt.toString());
        view.put("last_used", lastUsedAt == null ? null : lastUsedAt.toString());
        view.put("revoked", revokedAt == null ? null : revokedAt.toString());
        view.put("rotated_to", rotatedTo);
        view.put("allow_from", allowFrom);
        view.put("deny_from", denyFrom);
        return view;
    }

    /** The principal a request authenticated by this key acts as. */
    public Principal toPrincipal() {
        return new Principal(principalId, tier, roles, permissions, keyId);
    }

    /** This record revoked at {@code at}; an already revoked record keeps its first revocation. */
    public ApiKeyRecord withRevokedAt(Instant at) {
        if (revokedAt != null) {
            return this;
        }
        return new ApiKeyRecord(keyId, hash, hint, principalId, tier, roles, permissions,
                createdAt, expiresAt, lastUsedAt, at, rotatedTo, allowFrom, denyFrom);
    }

    /** This record with expiry {@code at} (nullable for never). */
    public ApiKeyRecord withExpiresAt(Instant at) {
        return new ApiKeyRecord(keyId, hash, hint, principalId, tier, roles, permissions,
                createdAt, at, lastUsedAt, revokedAt, rotatedTo, allowFrom, denyFrom);
    }

    /** This record last used at {@code at}. */
    public ApiKeyRecord withLastUsedAt(Instant at) {
        return new ApiKeyRecord(keyId, hash, hint, principalId, tier, roles, permissions,
                createdAt, expiresAt, at, revokedAt, rotatedTo, allowFrom, denyFrom);
    }

    /** This record marked as replaced by key {@code successorId}. */
    public ApiKeyRecord withRotatedTo(String successorId) {
        return new ApiKeyRecord(keyId, hash, hint, principalId, tier, roles, permissions,
                createdAt, expiresAt, lastUsedAt, revokedAt, successorId, allowFrom, denyFrom);
    }

    /** This record with the given client address lists (CIDR blocks). */
    public ApiKeyRecord withAddressLists(List<String> allow, List<String> deny) {
        return new ApiKeyRecord(keyId, hash, hint, principalId, tier, roles, permissions,
                createdAt, expiresAt, lastUsedAt, revokedAt, rotatedTo, allow, deny);
    }
}
