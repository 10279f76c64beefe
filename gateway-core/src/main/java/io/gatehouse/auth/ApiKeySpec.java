package io.gatehouse.auth;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a new or imported API key grants: its owner, plan, roles, permissions, lifetime and
 * client address lists. Build with {@link #of(String, String)} and the {@code with} methods.
 *
 * <p>Immutable.
 *
 * @param principalId the owner
 * @param tier        the plan whose limits apply
 * @param roles       roles granted
 * @param permissions permissions (scopes) granted
 * @param lifetime    how long the key works after creation; nullable, {@code null} for no expiry
 * @param allowFrom   CIDR blocks callers must come from; empty for anywhere
 * @param denyFrom    CIDR blocks callers must not come from
 */
public record ApiKeySpec(String principalId, String tier, Set<String> roles,
        Set<String> permissions, Duration lifetime, List<String> allowFrom,
        List<String> denyFrom) {

    public ApiKeySpec {
        Objects.requireNonNull(principalId, "principalId");
        Objects.requireNonNull(tier, "tier");
        if (principalId.isBlank() || tier.isBlank()) {
            throw new IllegalArgumentException("an API key needs a principal id and a tier, was '"
                    + principalId + "' / '" + tier + "'");
        }
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
        if (lifetime != null && (lifetime.isNegative() || lifetime.isZero())) {
            throw new IllegalArgumentException(
                    "API key lifetime must be positive, was " + lifetime);
        }
        allowFrom = List.copyOf(allowFrom);
        denyFrom = List.copyOf(denyFrom);
        for (String block : allowFrom) {
            io.gatehouse.Cidr.parse(block);
        }
        for (String block : denyFrom) {
            io.gatehouse.Cidr.parse(block);
        }
    }

    /**
     * Parses a lifetime as given on a command line or in configuration: a positive number with
     * unit {@code s}, {@code m}, {@code h}, {@code d} or {@code w} (e.g. {@code 30d}), or an
     * ISO-8601 duration (e.g. {@code PT12H}).
     *
     * @throws IllegalArgumentException naming the text when it is not a positive duration
     */
    public static Duration parseLifetime(String text) {
        String trimmed = text.trim();
        Duration duration = null;
        java.util.regex.Matcher matcher = java.util.regex.Pattern
                .compile("([0-9]{1,9})([smhdw])").matcher(trimmed);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            duration = switch (matcher.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofDays(amount * 7);
            };
        } else {
            try {
                duration = Duration.parse(trimmed);
            } catch (java.time.format.DateTimeParseException e) {
                duration = null;
            }
        }
        if (duration == null || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("not a positive lifetime like 30d, 12h or PT90M: '"
                    + text + "'");
        }
        return duration;
    }

    /** A key for {@code principalId} on plan {@code tier}, no roles, no expiry. */
    public static ApiKeySpec of(String principalId, String tier) {
        return new ApiKeySpec(principalId, tier, Set.of(), Set.of(), null, List.of(), List.of());
    }

    public ApiKeySpec withRoles(String... roles) {
        return new ApiKeySpec(principalId, tier, Set.of(roles), permissions, lifetime,
                allowFrom, denyFrom);
    }

    public ApiKeySpec withPermissions(String... permissions) {
        return new ApiKeySpec(principalId, tier, roles, Set.of(permissions), lifetime,
                allowFrom, denyFrom);
    }

    /** This spec with a lifetime; {@code null} for no expiry. */
    public ApiKeySpec withLifetime(Duration lifetime) {
        return new ApiKeySpec(principalId, tier, roles, permissions, lifetime,
                allowFrom, denyFrom);
    }

    /** This spec with client address lists (CIDR blocks, IPv4 or IPv6). */
    public ApiKeySpec withAddressLists(List<String> allowFrom, List<String> denyFrom) {
        return new ApiKeySpec(principalId, tier, roles, permissions, lifetime,
                allowFrom, denyFrom);
    }
}
