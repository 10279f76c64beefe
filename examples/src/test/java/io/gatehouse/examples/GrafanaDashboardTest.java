package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Admission;
import io.gatehouse.Exchange;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.UpstreamMetrics;
import io.gatehouse.redis.RedisBackend;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.MetricsServlet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard in {@code deploy/grafana} queries only metrics a gateway exports: every
 * meter is exercised (Redis store and upstream hooks included) and the scrape's series names are
 * compared with the names in the dashboard's expressions.
 */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("\\b((?:gateway|gen_ai)_[a-z_]+)\\b");

    @Test
    void everyQueriedMetricIsExported(@TempDir Path redisDir) throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(
                Files.readString(Path.of("..", "deploy", "grafana", "gatehouse.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher names = METRIC.matcher(target.get("expr").asText());
                while (names.find()) {
                    queried.add(names.group(1));
                }
            }
        }
        assertThat(queried).hasSizeGreaterThan(15);

        Set<String> exported = exportedSeries(redisDir);

        assertThat(exported).containsAll(queried);
    }

    private static Set<String> exportedSeries(Path redisDir) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RedisProcess redis = RedisProcess.start(redisDir);
                RedisBackend backend = RedisBackend.connect(redis.url())) {
            backend.bindTo(registry);
            LimitRule perHour = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                    .limit(1, Duration.ofHours(1)).countRequests()
                    .failurePolicy(FailurePolicy.LOCAL_FALLBACK).build();
            LimitRule shadow = LimitRule.builder("trial", LimitAlgorithm.FIXED_WINDOW)
                    .limit(1, Duration.ofHours(1)).countRequests().shadow(true).build();
            Principal alice = new Principal("alice", "free", Set.of(), Set.of(), "k1");
            Gateway gateway = Gateway.builder(Router.of(List.of(
                            Route.builder("chat", "/chat").build())))
                    .authenticator(request -> switch (String.valueOf(
                            request.header("X-API-Key"))) {
                        case "good" -> new AuthResult.Authenticated(alice);
                        case "throttled" -> new AuthResult.Rejected(
                                ErrorCode.TOO_MANY_AUTH_FAILURES, "slow down", 1);
                        default -> new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "no");
                    })
                    .rateLimiter(TieredRateLimiter.builder(backend.limitStore())
                            .tier(Tier.of("free", perHour, shadow)).build())
                    .meterRegistry(registry)
                    .build();
            for (String key : List.of("good", "good", "bad", "throttled")) {
                Admission admission = gateway.admit(new KeyedGet("/chat", key));
                if (admission instanceof Admission.Admitted admitted) {
                    admitted.grant().complete(new Outcome(200, 420));
                }
            }
            UpstreamMetrics upstream = gateway.upstreamMetrics();
            upstream.exchanged("inference", 200, 5_000_000);
            upstream.retried("inference");
            upstream.watch("inference", () -> 1, () -> UpstreamMetrics.CircuitState.CLOSED);
        }
        Set<String> series = new TreeSet<>();
        for (String line : registry.scrape(MetricsServlet.PROMETHEUS_TEXT).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            series.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return series;
    }

    /** A bodiless GET from loopback with an API key. */
    private record KeyedGet(String rawPath, String key) implements Exchange {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String query() {
            return "";
        }

        @Override
        public String header(String name) {
            return name.equalsIgnoreCase("X-API-Key") ? key : null;
        }

        @Override
        public List<String> headerValues(String name) {
            String value = header(name);
            return value == null ? List.of() : List.of(value);
        }

        @Override
        public Iterable<String> headerNames() {
            return List.of("X-API-Key");
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public long contentLength() {
            return 0;
        }

        @Override
        public byte[] readBody(int maxBytes) {
            return new byte[0];
        }
    }
}
