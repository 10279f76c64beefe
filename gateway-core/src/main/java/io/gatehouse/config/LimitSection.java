package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.KeyScope;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code tiers:} and the {@code limits:} of routes into {@link Tier}s and
 * {@link LimitRule}s, exactly as {@link LimitRule#builder} would build them.
 *
 * <p>Thread-safe (stateless).
 */
final class LimitSection {

    private static final Set<String> RULE_KEYS = Set.of("name", "algorithm", "limit", "period",
            "burst", "scope", "failure_policy", "shadow", "count_requests", "calendar", "zone");

    /** Key scopes a file may name; a custom scope needs a KeyResolver, which is code. */
    private static final Set<KeyScope> SCOPES = EnumSet.complementOf(EnumSet.of(KeyScope.CUSTOM));

    private static final Duration MIN_PERIOD = Duration.ofMillis(1);
    private static final Duration MAX_PERIOD = Duration.ofDays(400);

    private LimitSection() {
    }

    /** The tiers of a {@code tiers:} mapping (tier name to list of limits), in file order. */
    static List<Tier> tiers(ConfigReader reader, JsonNode node, String where) {
        List<Tier> tiers = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : ConfigReader.entries(node, where)) {
            String name = entry.getKey();
            String tierWhere = where + "." + name;
            if (name.isBlank()) {
                throw new GatewayConfigException(where + ": a tier name must not be empty");
            }
            JsonNode limits = entry.getValue();
            if (limits == null || limits.isNull()
                    || limits.isTextual() && limits.textValue().isEmpty()) {
                // An empty value is more likely a forgotten list than a wish for no limits.
                throw new GatewayConfigException(tierWhere + ": a list of limits is required; "
                        + "write [] for a tier without limits");
            }
            tiers.add(new Tier(name, rules(reader, limits, tierWhere, "tier " + name)));
        }
        return tiers;
    }

    /** A list of limits; {@code owner} names where they belong, for duplicate names. */
    static List<LimitRule> rules(ConfigReader reader, JsonNode node, String where, String owner) {
        List<JsonNode> elements = ConfigReader.list(node, where);
        List<LimitRule> rules = new ArrayList<>(elements.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < elements.size(); i++) {
            String ruleWhere = where + "[" + i + "]";
            LimitRule rule = rule(reader, elements.get(i), ruleWhere);
            if (!names.add(rule.name())) {
                throw new GatewayConfigException(ruleWhere + ".name: '" + rule.name()
                        + "' is used by an earlier limit of " + owner);
            }
            rules.add(rule);
        }
        return rules;
    }

    static LimitRule rule(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, RULE_KEYS);
        String name = reader.requiredText(node, "name", where);
        boolean calendar = node.has("calendar");
        LimitAlgorithm algorithm = node.has("algorithm")
                ? reader.choice(node.get("algorithm"), where + ".algorithm",
                        EnumSet.allOf(LimitAlgorithm.class))
                : calendar ? LimitAlgorithm.FIXED_WINDOW : LimitAlgorithm.TOKEN_BUCKET;
        LimitRule.Builder rule;
        try {
            rule = LimitRule.builder(name, algorithm);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ".name: " + e.getMessage(), e);
        }
        if (!node.has("limit")) {
            throw new GatewayConfigException(where + ".limit: is required");
        }
        long limit = reader.integer(node.get("limit"), where + ".limit", 1, Long.MAX_VALUE);
        if (calendar) {
            if (node.has("period")) {
                throw new GatewayConfigException(where + ".period: a calendar limit counts per "
                        + "calendar day, week or month and takes no period");
            }
            if (algorithm != LimitAlgorithm.FIXED_WINDOW) {
                throw new GatewayConfigException(where + ".calendar: calendar windows apply to "
                        + "fixed_window limits only, not " + algorithm.name().toLowerCase(
                                java.util.Locale.ROOT));
            }
            ChronoUnit unit = calendarUnit(reader, node.get("calendar"), where + ".calendar");
            ZoneId zone = node.has("zone") ? zone(reader, node.get("zone"), where + ".zone")
                    : ZoneOffset.UTC;
            rule.calendar(limit, unit, zone);
        } else {
            if (node.has("zone")) {
                throw new GatewayConfigException(where + ".zone: only a calendar limit has a "
                        + "time zone");
            }
            if (!node.has("period")) {
                throw new GatewayConfigException(where + ".period: is required (or calendar: "
                        + "day, week or month)");
            }
            rule.limit(limit, period(reader, node.get("period"), where + ".period"));
        }
        if (node.has("burst")) {
            rule.burst(reader.integer(node.get("burst"), where + ".burst", 1, Long.MAX_VALUE));
        }
        if (node.has("scope")) {
            rule.scope(reader.choice(node.get("scope"), where + ".scope", SCOPES));
        }
        if (node.has("failure_policy")) {
            rule.failurePolicy(reader.choice(node.get("failure_policy"),
                    where + ".failure_policy", EnumSet.allOf(FailurePolicy.class)));
        }
        if (node.has("shadow")) {
            rule.shadow(reader.bool(node.get("shadow"), where + ".shadow"));
        }
        if (node.has("count_requests") && reader.bool(node.get("count_requests"),
                where + ".count_requests")) {
            rule.countRequests();
        }
        try {
            return rule.build();
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static Duration period(ConfigReader reader, JsonNode node, String where) {
        String text = reader.text(node, where);
        Duration period = Durations.parse(text, where);
        if (period.compareTo(MIN_PERIOD) < 0 || period.compareTo(MAX_PERIOD) > 0) {
            throw new GatewayConfigException(where + ": '" + text + "' is not between 1ms and "
                    + "400d");
        }
        return period;
    }

    private static ChronoUnit calendarUnit(ConfigReader reader, JsonNode node, String where) {
        String text = reader.text(node, where).strip();
        return switch (text) {
            case "day" -> ChronoUnit.DAYS;
            case "week" -> ChronoUnit.WEEKS;
            case "month" -> ChronoUnit.MONTHS;
            default -> throw new GatewayConfigException(where + ": '" + text
                    + "' is not one of day, week, month");
        };
    }

    static ZoneId zone(ConfigReader reader, JsonNode node, String where) {
        String text = reader.text(node, where).strip();
        try {
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw new GatewayConfigException(where + ": '" + text + "' is not a time zone "
                    + "(e.g. UTC, Europe/Berlin, +02:00)", e);
        }
    }
}
