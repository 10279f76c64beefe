package io.gatehouse.benchmarks;

import io.gatehouse.Admission;
import io.gatehouse.Exchange;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.limit.KeyScope;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole {@link Gateway#admit} path, admit and complete, for one public GET route without
 * authentication: with no limiter (the baseline) and with a {@link TieredRateLimiter} over the
 * in-memory store enforcing one or three limits keyed by client address. The difference is what
 * limiting costs a request end to end, headers included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GatewayAdmitBenchmark {

    private static final Outcome OK = Outcome.status(200);

    @State(Scope.Benchmark)
    public static class Gateways {
        Gateway empty;
        Gateway oneLimit;
        Gateway threeLimits;
        Gateway threeLimitsMetered;
        Exchange exchange;

        @Setup(Level.Trial)
        public void setUp() {
            Router router = Router.of(List.of(
                    Route.builder("echo", "/v1/echo").methods("GET").publicAccess().build()));
            empty = Gateway.builder(router).build();
            LimitRule perSecond = rule("per-second", 1_000_000_000L, Duration.ofSeconds(1));
            LimitRule perMinute = rule("per-minute", 6_000_000_000L, Duration.ofMinutes(1));
            LimitRule perHour = rule("per-hour", 7_200_000_000L, Duration.ofHours(1));
            oneLimit = Gateway.builder(router).rateLimiter(TieredRateLimiter
                    .builder(LimitStores.inMemory())
                    .tier(Tier.of("anonymous", perSecond)).build()).build();
            threeLimits = Gateway.builder(router).rateLimiter(TieredRateLimiter
                    .builder(LimitStores.inMemory())
                    .tier(Tier.of("anonymous", perSecond, perMinute, perHour)).build()).build();
            threeLimitsMetered = Gateway.builder(router).rateLimiter(TieredRateLimiter
                    .builder(LimitStores.inMemory())
                    .tier(Tier.of("anonymous", perSecond, perMinute, perHour)).build())
                    .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                    .build();
            exchange = new FixedExchange();
            InMemoryLimiterBenchmark.require(admitted(threeLimitsMetered.admit(exchange)),
                    "metered admits");
            InMemoryLimiterBenchmark.require(admitted(empty.admit(exchange)), "empty admits");
            InMemoryLimiterBenchmark.require(admitted(oneLimit.admit(exchange)), "one admits");
            InMemoryLimiterBenchmark.require(admitted(threeLimits.admit(exchange)),
                    "three admit");
            InMemoryLimiterBenchmark.require(oneLimit.admit(exchange).headers()
                    .get("RateLimit-Policy") != null, "limited responses carry headers");
        }

        private static LimitRule rule(String name, long limit, Duration period) {
            return LimitRule.builder(name, io.gatehouse.limit.LimitAlgorithm.TOKEN_BUCKET)
                    .limit(limit, period).scope(KeyScope.CLIENT_ADDRESS).build();
        }

        private static boolean admitted(Admission admission) {
            return admission instanceof Admission.Admitted;
        }
    }

    @Benchmark
    public Admission emptyGateway(Gateways gateways) {
        return admitAndComplete(gateways.empty, gateways.exchange);
    }

    @Benchmark
    public Admission inMemoryOneLimit(Gateways gateways) {
        return admitAndComplete(gateways.oneLimit, gateways.exchange);
    }

    @Benchmark
    public Admission inMemoryThreeLimits(Gateways gateways) {
        return admitAndComplete(gateways.threeLimits, gateways.exchange);
    }

    /** As {@link #inMemoryThreeLimits}, recording every meter into a Prometheus registry. */
    @Benchmark
    public Admission inMemoryThreeLimitsMetered(Gateways gateways) {
        return admitAndComplete(gateways.threeLimitsMetered, gateways.exchange);
    }

    private static Admission admitAndComplete(Gateway gateway, Exchange exchange) {
        Admission admission = gateway.admit(exchange);
        if (admission instanceof Admission.Admitted admitted) {
            admitted.grant().complete(OK);
        }
        return admission;
    }

    /** The same bodiless GET every time, with a sane X-Request-ID. Immutable. */
    static final class FixedExchange implements Exchange {
        private static final byte[] NO_BODY = new byte[0];

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String rawPath() {
            return "/v1/echo";
        }

        @Override
        public String query() {
            return "";
        }

        @Override
        public String header(String name) {
            return Gateway.REQUEST_ID_HEADER.equalsIgnoreCase(name) ? "bench-request-1" : null;
        }

        @Override
        public List<String> headerValues(String name) {
            String value = header(name);
            return value == null ? List.of() : List.of(value);
        }

        @Override
        public Iterable<String> headerNames() {
            return List.of(Gateway.REQUEST_ID_HEADER);
        }

        @Override
        public String remoteAddress() {
            return "192.0.2.7";
        }

        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public byte[] readBody(int maxBytes) {
            return NO_BODY;
        }
    }
}
