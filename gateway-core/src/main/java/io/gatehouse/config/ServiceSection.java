package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.upstream.Balancing;
import io.gatehouse.upstream.BreakerSettings;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.HealthCheck;
import io.gatehouse.upstream.HostHeader;
import io.gatehouse.upstream.PathRewrite;
import io.gatehouse.upstream.RetryPolicy;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Timeouts;
import io.gatehouse.upstream.UpstreamCredential;
import io.gatehouse.upstream.UsageReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code services:} into {@link Service}s and a route's {@code service}, {@code rewrite}
 * and {@code timeouts} into its {@link Target}, as the Java builders would make them.
 *
 * <p>Thread-safe (stateless).
 */
final class ServiceSection {

    private static final Set<String> SERVICE_KEYS = Set.of("endpoints", "balancing", "health",
            "timeouts", "retry", "circuit_breaker", "host", "credential",
            "forward_client_credentials", "usage");
    private static final Set<String> ENDPOINT_KEYS = Set.of("url", "weight");
    private static final Set<String> TIMEOUT_KEYS =
            Set.of("connect", "response_headers", "idle", "total");
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "backoff", "max_backoff",
            "non_idempotent", "max_replay_bytes", "budget_ratio", "budget_min_per_second");
    private static final Set<String> BREAKER_KEYS = Set.of("enabled", "failure_rate", "window",
            "minimum_calls", "open_for", "half_open_calls");
    private static final Set<String> HEALTH_KEYS =
            Set.of("consecutive_failures", "eject_for", "probe", "required");
    private static final Set<String> PROBE_KEYS = Set.of("path", "interval", "timeout");
    private static final Set<String> CREDENTIAL_KEYS = Set.of("header", "value");
    private static final Set<String> USAGE_KEYS = Set.of("header", "last_event");
    private static final Set<String> REWRITE_KEYS =
            Set.of("strip_prefix", "replace_prefix", "with", "regex", "replacement");

    private ServiceSection() {
    }

    static List<Service> services(ConfigReader reader, JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<Service> services = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : ConfigReader.entries(node, "services")) {
            services.add(service(reader, entry.getKey(), entry.getValue(),
                    "services." + entry.getKey()));
        }
        return services;
    }

    private static Service service(ConfigReader reader, String name, JsonNode node,
            String where) {
        ConfigReader.requireMapping(node, where, SERVICE_KEYS);
        Service.Builder service;
        try {
            service = Service.builder(name);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
        if (!node.has("endpoints")) {
            throw new GatewayConfigException(where + ".endpoints: is required (a list of "
                    + "http:// or https:// URLs)");
        }
        List<JsonNode> endpoints = node.get("endpoints").isArray()
                ? ConfigReader.list(node.get("endpoints"), where + ".endpoints")
                : List.of(node.get("endpoints"));
        if (endpoints.isEmpty()) {
            throw new GatewayConfigException(where + ".endpoints: list at least one endpoint");
        }
        for (int i = 0; i < endpoints.size(); i++) {
            service.endpoint(endpoint(reader, endpoints.get(i), where + ".endpoints[" + i + "]"));
        }
        if (node.has("balancing")) {
            service.balancing(reader.choice(node.get("balancing"), where + ".balancing",
                    EnumSet.allOf(Balancing.class)));
        }
        if (node.has("timeouts")) {
            service.timeouts(timeouts(reader, node.get("timeouts"), where + ".timeouts",
                    Timeouts.DEFAULTS));
        }
        if (node.has("retry")) {
            service.retry(retry(reader, node.get("retry"), where + ".retry"));
        }
        if (node.has("circuit_breaker")) {
            service.circuitBreaker(breaker(reader, node.get("circuit_breaker"),
                    where + ".circuit_breaker"));
        }
        if (node.has("health")) {
            service.health(health(reader, node.get("health"), where + ".health"));
            JsonNode required = node.get("health").get("required");
            if (required != null) {
                service.requiredForReadiness(reader.bool(required, where + ".health.required"));
            }
        }
        if (node.has("host")) {
            String host = reader.text(node.get("host"), where + ".host").strip();
            try {
                service.host(switch (host) {
                    case "endpoint" -> HostHeader.endpoint();
                    case "preserve" -> HostHeader.preserve();
                    default -> HostHeader.fixed(host);
                });
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(where + ".host: " + e.getMessage()
                        + "; write endpoint, preserve or a host name", e);
            }
        }
        if (node.has("credential")) {
            service.credential(credential(reader, node.get("credential"),
                    where + ".credential"));
        }
        if (node.has("forward_client_credentials")) {
            service.forwardClientCredentials(reader.bool(node.get("forward_client_credentials"),
                    where + ".forward_client_credentials"));
        }
        if (node.has("usage")) {
            service.usage(usage(reader, node.get("usage"), where + ".usage"));
        }
        return service.build();
    }

    private static Endpoint endpoint(ConfigReader reader, JsonNode node, String where) {
        String url;
        int weight = 1;
        if (node.isObject()) {
            ConfigReader.requireMapping(node, where, ENDPOINT_KEYS);
            url = reader.requiredText(node, "url", where);
            where = where + ".url";
            if (node.has("weight")) {
                weight = (int) reader.integer(node.get("weight"), where.replace(".url",
                        ".weight"), 1, 1000);
            }
        } else {
            url = reader.text(node, where);
        }
        try {
            return Endpoint.parse(url, weight);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    static Timeouts timeouts(ConfigReader reader, JsonNode node, String where,
            Timeouts defaults) {
        ConfigReader.requireMapping(node, where, TIMEOUT_KEYS);
        Timeouts timeouts = defaults;
        if (node.has("connect")) {
            timeouts = timeouts.withConnect(reader.duration(node.get("connect"),
                    where + ".connect"));
        }
        if (node.has("response_headers")) {
            timeouts = timeouts.withResponseHeaders(reader.duration(
                    node.get("response_headers"), where + ".response_headers"));
        }
        if (node.has("idle")) {
            timeouts = timeouts.withIdle(reader.duration(node.get("idle"), where + ".idle"));
        }
        if (node.has("total")) {
            timeouts = timeouts.withTotal(reader.duration(node.get("total"), where + ".total"));
        }
        return timeouts;
    }

    private static RetryPolicy retry(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, RETRY_KEYS);
        RetryPolicy retry = RetryPolicy.DEFAULTS;
        if (node.has("attempts")) {
            retry = retry.withMaxAttempts((int) reader.integer(node.get("attempts"),
                    where + ".attempts", 1, 10));
        }
        Duration backoff = node.has("backoff")
                ? reader.duration(node.get("backoff"), where + ".backoff") : retry.backoff();
        Duration maxBackoff = node.has("max_backoff")
                ? reader.duration(node.get("max_backoff"), where + ".max_backoff")
                : backoff.compareTo(retry.maxBackoff()) > 0 ? backoff : retry.maxBackoff();
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new GatewayConfigException(where + ".max_backoff: " + Durations.format(
                    maxBackoff) + " is shorter than backoff " + Durations.format(backoff));
        }
        retry = retry.withBackoff(backoff, maxBackoff);
        if (node.has("non_idempotent")) {
            retry = retry.withNonIdempotent(reader.bool(node.get("non_idempotent"),
                    where + ".non_idempotent"));
        }
        if (node.has("max_replay_bytes")) {
            retry = retry.withMaxReplayBytes((int) reader.integer(node.get("max_replay_bytes"),
                    where + ".max_replay_bytes", 0, 64L << 20));
        }
        double ratio = retry.budgetRatio();
        if (node.has("budget_ratio")) {
            String text = reader.text(node.get("budget_ratio"), where + ".budget_ratio").strip();
            try {
                ratio = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new GatewayConfigException(where + ".budget_ratio: must be a number, was '"
                        + text + "'", e);
            }
            if (!(ratio >= 0 && ratio <= 10)) {
                throw new GatewayConfigException(where + ".budget_ratio: must be between 0 and "
                        + "10, was " + text);
            }
        }
        int minPerSecond = node.has("budget_min_per_second")
                ? (int) reader.integer(node.get("budget_min_per_second"),
                        where + ".budget_min_per_second", 0, 100_000)
                : retry.budgetMinPerSecond();
        return retry.withBudget(ratio, minPerSecond);
    }

    private static BreakerSettings breaker(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, BREAKER_KEYS);
        BreakerSettings defaults = BreakerSettings.DEFAULTS;
        boolean enabled = !node.has("enabled") || reader.bool(node.get("enabled"),
                where + ".enabled");
        int rate = node.has("failure_rate") ? (int) reader.integer(node.get("failure_rate"),
                where + ".failure_rate", 1, 100) : defaults.failureRatePercent();
        int window = node.has("window") ? (int) reader.integer(node.get("window"),
                where + ".window", 1, 10_000) : defaults.windowSize();
        int minimum = node.has("minimum_calls") ? (int) reader.integer(
                node.get("minimum_calls"), where + ".minimum_calls", 1, window)
                : Math.min(defaults.minimumCalls(), window);
        Duration openFor = node.has("open_for")
                ? reader.duration(node.get("open_for"), where + ".open_for")
                : defaults.openFor();
        if (openFor.isZero()) {
            throw new GatewayConfigException(where + ".open_for: must be longer than 0s");
        }
        int halfOpen = node.has("half_open_calls") ? (int) reader.integer(
                node.get("half_open_calls"), where + ".half_open_calls", 1, 1000)
                : defaults.halfOpenCalls();
        return new BreakerSettings(enabled, rate, window, minimum, openFor, halfOpen);
    }

    private static HealthCheck health(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, HEALTH_KEYS);
        HealthCheck health = HealthCheck.DEFAULTS;
        int failures = node.has("consecutive_failures") ? (int) reader.integer(
                node.get("consecutive_failures"), where + ".consecutive_failures", 1, 1000)
                : health.consecutiveFailures();
        Duration ejectFor = node.has("eject_for")
                ? reader.duration(node.get("eject_for"), where + ".eject_for")
                : health.ejectFor();
        if (ejectFor.isZero()) {
            throw new GatewayConfigException(where + ".eject_for: must be longer than 0s");
        }
        health = health.withEjection(failures, ejectFor);
        if (node.has("probe")) {
            JsonNode probe = node.get("probe");
            String probeWhere = where + ".probe";
            ConfigReader.requireMapping(probe, probeWhere, PROBE_KEYS);
            String path = reader.requiredText(probe, "path", probeWhere);
            if (!path.startsWith("/")) {
                throw new GatewayConfigException(probeWhere + ".path: '" + path
                        + "' must start with /");
            }
            Duration interval = probe.has("interval") ? reader.duration(probe.get("interval"),
                    probeWhere + ".interval") : health.probeInterval();
            Duration timeout = probe.has("timeout") ? reader.duration(probe.get("timeout"),
                    probeWhere + ".timeout") : health.probeTimeout();
            if (interval.isZero() || timeout.isZero()) {
                throw new GatewayConfigException(probeWhere + ": interval and timeout must be "
                        + "longer than 0s");
            }
            health = health.withProbe(path, interval, timeout);
        }
        return health;
    }

    private static UpstreamCredential credential(ConfigReader reader, JsonNode node,
            String where) {
        ConfigReader.requireMapping(node, where, CREDENTIAL_KEYS);
        String header = node.has("header")
                ? reader.text(node.get("header"), where + ".header").strip() : "Authorization";
        if (node.get("value") == null) {
            throw new GatewayConfigException(where + ".value: is required");
        }
        AuthSection.requireVariable(node.get("value"), where + ".value", "UPSTREAM_KEY");
        String value = reader.text(node.get("value"), where + ".value");
        try {
            return new UpstreamCredential(header, value);
        } catch (IllegalArgumentException e) {
            // The message names the header, never the value.
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static UsageReader usage(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, USAGE_KEYS);
        if (node.has("header") == node.has("last_event")) {
            throw new GatewayConfigException(where + ": set exactly one of header (a response "
                    + "header holding the cost) and last_event (a JSON Pointer into the last "
                    + "Server-Sent Event, e.g. /usage/total_tokens)");
        }
        if (node.has("header")) {
            return UsageReader.header(reader.text(node.get("header"), where + ".header").strip());
        }
        String pointer = reader.text(node.get("last_event"), where + ".last_event").strip();
        try {
            return UsageReader.lastEventField(pointer);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ".last_event: " + e.getMessage(), e);
        }
    }

    /** The target of a route entry: its {@code service}, {@code rewrite} and {@code timeouts}. */
    static Target target(ConfigReader reader, JsonNode route, String where) {
        if (!route.has("service")) {
            for (String key : List.of("rewrite", "timeouts")) {
                if (route.has(key)) {
                    throw new GatewayConfigException(where + "." + key
                            + ": only for a route with a service");
                }
            }
            return Target.local();
        }
        String service = reader.text(route.get("service"), where + ".service").strip();
        if (service.isEmpty()) {
            throw new GatewayConfigException(where + ".service: must not be empty");
        }
        PathRewrite rewrite = route.has("rewrite")
                ? rewrite(reader, route.get("rewrite"), where + ".rewrite") : PathRewrite.none();
        Target.Upstream target = Target.upstream(service, rewrite);
        if (route.has("timeouts")) {
            target = target.withTimeouts(timeouts(reader, route.get("timeouts"),
                    where + ".timeouts", Timeouts.DEFAULTS));
        }
        return target;
    }

    private static PathRewrite rewrite(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, REWRITE_KEYS);
        int kinds = (node.has("strip_prefix") ? 1 : 0) + (node.has("replace_prefix") ? 1 : 0)
                + (node.has("regex") ? 1 : 0);
        if (kinds != 1) {
            throw new GatewayConfigException(where + ": set exactly one of strip_prefix, "
                    + "replace_prefix (with 'with') and regex (with 'replacement')");
        }
        try {
            if (node.has("strip_prefix")) {
                return PathRewrite.stripPrefix(reader.text(node.get("strip_prefix"),
                        where + ".strip_prefix").strip());
            }
            if (node.has("replace_prefix")) {
                if (!node.has("with")) {
                    throw new GatewayConfigException(where + ".with: is required with "
                            + "replace_prefix");
                }
                return PathRewrite.replacePrefix(reader.text(node.get("replace_prefix"),
                        where + ".replace_prefix").strip(),
                        reader.text(node.get("with"), where + ".with").strip());
            }
            if (!node.has("replacement")) {
                throw new GatewayConfigException(where + ".replacement: is required with regex");
            }
            return PathRewrite.regex(reader.text(node.get("regex"), where + ".regex"),
                    reader.text(node.get("replacement"), where + ".replacement"));
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }
}
