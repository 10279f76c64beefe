package io.gatehouse;

import io.gatehouse.observe.UpstreamMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@link UpstreamMetrics} recorded into a {@link MeterRegistry}; meters are registered per
 * service on first use.
 *
 * <p>Thread-safe.
 */
final class UpstreamMeters implements UpstreamMetrics {

    static final String DURATION = "gateway.upstream.request.duration";
    static final String RETRIES = "gateway.upstream.retries";
    static final String HEALTHY_ENDPOINTS = "gateway.upstream.healthy.endpoints";
    static final String BREAKER_STATE = "gateway.upstream.breaker.state";

    private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ServiceMeters> services = new ConcurrentHashMap<>();

    UpstreamMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void exchanged(String service, int status, long durationNanos) {
        int statusClass = status >= 100 && status <= 599 ? status / 100 : 0;
        meters(service).duration(statusClass).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void retried(String service) {
        meters(service).retries.increment();
    }

    @Override
    public void watch(String service, IntSupplier healthyEndpoints,
            Supplier<CircuitState> breakerState) {
        Gauge.builder(HEALTHY_ENDPOINTS, healthyEndpoints, IntSupplier::getAsInt)
                .description("Endpoints of an upstream service that pass their health checks")
                .tag("service", service)
                .register(registry);
        for (CircuitState state : CircuitState.values()) {
            Gauge.builder(BREAKER_STATE, breakerState, current -> current.get() == state ? 1 : 0)
                    .description("1 for the current state of an upstream service's breaker")
                    .tags("service", service, "state", state.name().toLowerCase(
                            java.util.Locale.ROOT))
                    .register(registry);
        }
    }

    private ServiceMeters meters(String service) {
        ServiceMeters meters = services.get(service);
        return meters != null ? meters : services.computeIfAbsent(service, ServiceMeters::new);
    }

    /** One service's meters. Thread-safe. */
    private final class ServiceMeters {
        private final String service;
        private final Counter retries;
        private final AtomicReferenceArray<Timer> durations =
                new AtomicReferenceArray<>(STATUS_CLASSES.length);

        ServiceMeters(String service) {
            this.service = service;
            this.retries = Counter.builder(RETRIES)
                    .description("Retries of idempotent requests to an upstream service")
                    .tag("service", service)
                    .register(registry);
        }

        Timer duration(int statusClass) {
            Timer timer = durations.get(statusClass);
            if (timer == null) {
                timer = Timer.builder(DURATION)
                        .description("Attempts to an upstream service, by status class")
                        .tags("service", service, "status_class", STATUS_CLASSES[statusClass])
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry);
                durations.set(statusClass, timer);
            }
            return timer;
        }
    }
}
