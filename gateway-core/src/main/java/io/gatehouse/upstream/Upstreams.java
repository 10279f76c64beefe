package io.gatehouse.upstream;

import io.gatehouse.Gateway;
import io.gatehouse.route.Route;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live pools of a set of {@link Service}s, one {@link ServicePool} each, looked up by name
 * and listed in the order given.
 * Build one per gateway and share it.
 *
 * <p>Thread-safe.
 */
public final class Upstreams {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);

    /** The health component of service {@code s} is {@code upstream_s}. */
    public static final String HEALTH_PREFIX = "upstream_";

    private final Map<String, ServicePool> pools;

    private Upstreams(Map<String, ServicePool> pools) {
        this.pools = pools;
    }

    /**
     * Pools for {@code services}, timed by {@code System::nanoTime}.
     *
     * @throws IllegalArgumentException naming a service name used twice
     */
    public static Upstreams of(Collection<Service> services) {
        return of(services, System::nanoTime);
    }

    /** Pools for {@code services}, timed by {@code nanoTime} (health, backoff, budgets). */
    public static Upstreams of(Collection<Service> services, LongSupplier nanoTime) {
        Objects.requireNonNull(nanoTime, "nanoTime");
        Map<String, ServicePool> pools = new LinkedHashMap<>();
        for (Service service : services) {
            if (pools.put(service.name(), new ServicePool(service, nanoTime)) != null) {
                throw new IllegalArgumentException("service '" + service.name()
                        + "' is defined twice");
            }
        }
        return new Upstreams(java.util.Collections.unmodifiableMap(pools));
    }

    /** The pool of the service named {@code name}. */
    public Optional<ServicePool> pool(String name) {
        return Optional.ofNullable(pools.get(name));
    }

    /** Every pool. */
    public Collection<ServicePool> pools() {
        return pools.values();
    }

    /**
     * Adds one health component per service to {@code gateway}: {@code upstream_<name>}, as
     * {@link ServicePool#componentHealth()} reports it, required for readiness only when the
     * service says so ({@link Service#requiredForReadiness()}).
     *
     * @return {@code gateway}
     * @throws IllegalArgumentException when a component of that name was already added
     */
    public Gateway.Builder addHealthChecks(Gateway.Builder gateway) {
        for (ServicePool pool : pools.values()) {
            gateway.healthCheck(HEALTH_PREFIX + pool.service().name(),
                    pool.service().requiredForReadiness(), pool::componentHealth);
        }
        return gateway;
    }

    /**
     * Checks that every route targeting an upstream names one of these services.
     *
     * @throws IllegalArgumentException naming the first route whose service is unknown
     */
    public void requireServicesOf(List<Route> routes) {
        for (Route route : routes) {
            if (route.target() instanceof Target.Upstream upstream
                    && !pools.containsKey(upstream.service())) {
                throw new IllegalArgumentException("route '" + route.id()
                        + "' targets service '" + upstream.service()
                        + "', which is not defined; services are "
                        + new java.util.TreeSet<>(pools.keySet()));
            }
        }
    }

    /**
     * Starts the active health checks of every service with a probe path: each endpoint is
     * probed every probe interval on {@code scheduler}, through {@code probe}.
     *
     * @return closing it stops the probes (the scheduler stays the caller's)
     */
    public AutoCloseable startProbes(ScheduledExecutorService scheduler, HealthProbe probe) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(probe, "probe");
        List<ScheduledFuture<?>> tasks = new java.util.ArrayList<>();
        for (ServicePool pool : pools.values()) {
            HealthCheck health = pool.service().health();
            if (health.probePath() == null) {
                continue;
            }
            long interval = health.probeInterval().toNanos();
            for (Endpoint endpoint : pool.service().endpoints()) {
                tasks.add(scheduler.scheduleWithFixedDelay(() -> probeOnce(pool, endpoint,
                        health, probe), 0, interval, TimeUnit.NANOSECONDS));
            }
        }
        return () -> tasks.forEach(task -> task.cancel(false));
    }

    private static void probeOnce(ServicePool pool, Endpoint endpoint, HealthCheck health,
            HealthProbe probe) {
        try {
            probe.probe(endpoint, health.probePath(), health.probeTimeout())
                    .whenComplete((healthy, failure) -> pool.probed(endpoint,
                            failure == null && Boolean.TRUE.equals(healthy)));
        } catch (RuntimeException e) {
            LOG.warn("upstream service {}: probing {} failed", pool.service().name(),
                    endpoint, e);
            pool.probed(endpoint, false);
        }
    }
}
