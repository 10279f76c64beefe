package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.upstream.Balancing;
import io.gatehouse.upstream.BreakerSettings;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.HealthCheck;
import io.gatehouse.upstream.HostHeader;
import io.gatehouse.upstream.RetryPolicy;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Timeouts;
import io.gatehouse.upstream.UpstreamCredential;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class GatewayConfigServicesTest {

    private static final Function<String, String> ENV = Map.of("INFERENCE_KEY", "sk-up")::get;

    private static final String YAML = """
            services:
              inference:
                endpoints:
                  - http://127.0.0.1:9001/base/
                  - {url: "http://[::1]:9002", weight: 3}
                balancing: weighted
                timeouts: {connect: 500ms, response_headers: 5s, idle: 10s, total: 1m}
                retry: {attempts: 3, backoff: 10ms, max_backoff: 100ms, non_idempotent: true,
                        max_replay_bytes: 1024, budget_ratio: 0.5, budget_min_per_second: 7}
                circuit_breaker: {failure_rate: 40, window: 10, minimum_calls: 5,
                                  open_for: 3s, half_open_calls: 2}
                health:
                  consecutive_failures: 2
                  eject_for: 5s
                  required: true
                  probe: {path: /health, interval: 2s, timeout: 300ms}
                host: preserve
                credential: {header: Authorization, value: "Bearer ${INFERENCE_KEY}"}
                usage: {header: X-Usage-Tokens}
              plain:
                endpoints: http://127.0.0.1:9100
            routes:
              - id: embed
                path: /v1/embed
                service: inference
                rewrite: {strip_prefix: /v1}
                timeouts: {total: 2s}
              - id: orders
                path: /api/{name}/**
                service: plain
                rewrite: {regex: "^/api/([^/]+)/(.*)$", replacement: "/$1/$2"}
              - id: local
                path: /health
                public: true
            """;

    @Test
    void servicesAndRouteTargetsAreReadAsTheBuildersMakeThem() {
        GatewayConfig config = GatewayConfig.parse(YAML, ENV);
        assertThat(config.services()).extracting(Service::name).containsExactly("inference",
                "plain");
        Service inference = config.services().get(0);
        assertThat(inference.endpoints()).containsExactly(
                new Endpoint("http", "127.0.0.1", 9001, "/base", 1),
                new Endpoint("http", "::1", 9002, "", 3));
        assertThat(inference.balancing()).isEqualTo(Balancing.WEIGHTED);
        assertThat(inference.timeouts()).isEqualTo(new Timeouts(Duration.ofMillis(500),
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(1)));
        assertThat(inference.retry()).isEqualTo(new RetryPolicy(3, Duration.ofMillis(10),
                Duration.ofMillis(100), true, 1024, 0.5, 7));
        assertThat(inference.breaker()).isEqualTo(new BreakerSettings(true, 40, 10, 5,
                Duration.ofSeconds(3), 2));
        assertThat(inference.health()).isEqualTo(new HealthCheck(2, Duration.ofSeconds(5),
                "/health", Duration.ofSeconds(2), Duration.ofMillis(300)));
        assertThat(inference.requiredForReadiness()).isTrue();
        assertThat(inference.host()).isEqualTo(HostHeader.preserve());
        assertThat(inference.credential()).contains(
                new UpstreamCredential("Authorization", "Bearer sk-up"));
        assertThat(inference.usage().actualCost(200, name -> name.equals("X-Usage-Tokens")
                ? "42" : null, null)).isEqualTo(42);

        Service plain = config.services().get(1);
        assertThat(plain.balancing()).isEqualTo(Balancing.LEAST_OUTSTANDING);
        assertThat(plain.retry()).isEqualTo(RetryPolicy.DEFAULTS);
        assertThat(plain.credential()).isEmpty();
        assertThat(plain.requiredForReadiness()).isFalse();

        Target.Upstream embed = (Target.Upstream) config.routes().get(0).target();
        assertThat(embed.service()).isEqualTo("inference");
        assertThat(embed.rewrite().apply("/v1/embed")).isEqualTo("/embed");
        assertThat(embed.routeTimeouts()).contains(Timeouts.DEFAULTS.withTotal(
                Duration.ofSeconds(2)));
        Target.Upstream orders = (Target.Upstream) config.routes().get(1).target();
        assertThat(orders.rewrite().apply("/api/orders/7")).isEqualTo("/orders/7");
        assertThat(config.routes().get(2).target()).isSameAs(Target.local());
    }

    @Test
    void theCredentialNeverAppearsInText() {
        Service inference = GatewayConfig.parse(YAML, ENV).services().get(0);
        assertThat(inference.credential().orElseThrow().toString()).doesNotContain("sk-up");
    }

    @Test
    void badValuesAreNamedWithTheirLocation() {
        assertRejected(YAML.replace("service: plain", "service: nowhere"),
                "routes[1].service: 'nowhere' is not defined under services; services are "
                        + "[inference, plain]");
        assertRejected(YAML.replace("balancing: weighted", "balancing: random"),
                "services.inference.balancing: 'random' is not one of round_robin, weighted, "
                        + "least_outstanding");
        assertRejected(YAML.replace("http://127.0.0.1:9100", "ftp://127.0.0.1:9100"),
                "services.plain.endpoints[0]: endpoint 'ftp://127.0.0.1:9100' must be an "
                        + "http:// or https:// URL with a host");
        assertRejected(YAML.replace("\"Bearer ${INFERENCE_KEY}\"", "Bearer sk-in-file"),
                "services.inference.credential.value: a secret must come from an environment "
                        + "variable");
        assertRejected(YAML.replace("attempts: 3", "attempts: 11"),
                "services.inference.retry.attempts: must be between 1 and 10, was 11");
        assertRejected(YAML.replace("connect: 500ms", "connect: soon"),
                "services.inference.timeouts.connect: 'soon' is not a duration");
        assertRejected(YAML.replace("{strip_prefix: /v1}", "{strip_prefix: v1}"),
                "routes[0].rewrite: strip prefix 'v1' must start with /");
        assertRejected(YAML.replace("\"/$1/$2\"", "\"/$3\""),
                "routes[1].rewrite: rewrite replacement '/$3' does not fit regex");
        assertRejected(YAML.replace("failure_rate: 40", "failure_rate: 0"),
                "services.inference.circuit_breaker.failure_rate: must be between 1 and 100");
        assertRejected(YAML.replace("host: preserve", "host: \"a b\""),
                "services.inference.host: host 'a b' is not a host name");
        assertRejected(YAML.replace("public: true",
                "public: true\n    rewrite: {strip_prefix: /h}"),
                "routes[2].rewrite: only for a route with a service");
        assertRejected(YAML.replace("required: true", "required: sometimes"),
                "services.inference.health.required");
        assertRejected(YAML.replace("endpoints: http://127.0.0.1:9100", "balancing: weighted"),
                "services.plain.endpoints: is required");
    }

    @Test
    void gatewayBuildersReportEachServiceAsAHealthComponentOverSharedPools() {
        GatewayConfig config = GatewayConfig.parse(YAML, ENV);
        assertThat(config.upstreams()).isSameAs(config.upstreams());
        assertThat(config.gatewayBuilder().build().health().toJsonNode().toString())
                .isEqualTo("{\"status\":\"up\",\"ready\":true,\"draining\":false,"
                        + "\"components\":{\"upstream_inference\":{\"status\":\"up\","
                        + "\"required\":true,\"detail\":\"2/2 endpoints healthy, circuit "
                        + "closed\"},\"upstream_plain\":{\"status\":\"up\",\"required\":false,"
                        + "\"detail\":\"1/1 endpoints healthy, circuit closed\"}}}");
    }

    private static void assertRejected(String yaml, String message) {
        assertThatThrownBy(() -> GatewayConfig.parse(yaml, ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void javaBuildersMakeTheSameServiceAsTheFile() {
        Service built = Service.builder("plain").endpoint("http://127.0.0.1:9100").build();
        Service read = GatewayConfig.parse(YAML, ENV).services().get(1);
        assertThat(read.endpoints()).isEqualTo(built.endpoints());
        assertThat(List.of(read.balancing(), read.timeouts(), read.retry(), read.breaker(),
                read.health(), read.host())).isEqualTo(List.of(built.balancing(),
                built.timeouts(), built.retry(), built.breaker(), built.health(), built.host()));
    }
}
