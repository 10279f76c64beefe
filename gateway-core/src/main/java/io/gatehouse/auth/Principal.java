package io.gatehouse.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: the identity an {@link Authenticator} established, with the plan (tier) that
 * decides its limits and the roles and permissions that routes may require.
 *
 * <p>Immutable.
 *
 * @param id           stable identifier of the caller (user, tenant or service); a limit key
 * @param tier         the plan name whose limits apply, e.g. {@code premium}
 * @param roles        coarse roles, e.g. {@code admin}
 * @param permissions  fine-grained permissions or OAuth scopes, e.g. {@code invocations:write}
 * @param credentialId the id of the credential used (an API key id, a JWT {@code jti} or signature
 *                     key id); never the secret itself; empty for anonymous callers
 */
public record Principal(
        String id, String tier, Set<String> roles, Set<String> permissions, String credentialId) {

    /** The tier anonymous callers are limited by. */
    public static final String ANONYMOUS_TIER = "anonymous";

    private static final Principal ANONYMOUS =
            new Principal("anonymous", ANONYMOUS_TIER, Set.of(), Set.of(), "");

    public Principal {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tier, "tier");
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
        Objects.requireNonNull(credentialId, "credentialId");
    }

    /** The principal of unauthenticated calls to public routes. */
    public static Principal anonymous() {
        return ANONYMOUS;
    }

    /** Whether this is the anonymous principal. */
    public boolean isAnonymous() {
        return this == ANONYMOUS || (ANONYMOUS_TIER.equals(tier) && credentialId.isEmpty());
    }

    /** Whether the principal holds every one of {@code required} roles. */
    public boolean hasRoles(Set<String> required) {
        return roles.containsAll(required);
    }

    /** Whether the principal holds every one of {@code required} permissions. */
    public boolean hasPermissions(Set<String> required) {
        return permissions.containsAll(required);
    }
}
