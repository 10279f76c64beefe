package io.gatehouse.limit;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A plan: the named set of limits that applies to every principal of that tier (e.g.
 * {@code free}: 10 per hour). Rule names must be unique within a tier.
 *
 * <p>Immutable.
 *
 * @param name   the tier name a {@link io.gatehouse.auth.Principal#tier()} refers to
 * @param limits the tier's rules, in the order headers list them
 */
public record Tier(String name, List<LimitRule> limits) {
    public Tier {
        Objects.requireNonNull(name, "name");
        limits = List.copyOf(limits);
        Set<String> names = new HashSet<>();
        for (LimitRule rule : limits) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException(
                        "tier '" + name + "' has two limits named '" + rule.name() + "'");
            }
        }
    }

    /** A tier of {@code limits}. */
    public static Tier of(String name, LimitRule... limits) {
        return new Tier(name, List.of(limits));
    }
}
