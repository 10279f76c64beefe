package io.gatehouse.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An upstream service: a named pool of endpoints and how requests are forwarded to it (balancing,
 * health checks, timeouts, retries, circuit breaker, {@code Host}, credentials, usage). Routes
 * name it with {@link Target#upstream(String)}; the YAML {@code services:} section builds the
 * same object.
 *
 * <p>Immutable.
 */
public final class Service {

    private final String name;
    private final List<Endpoint> endpoints;
    private final Balancing balancing;
    private final HealthCheck health;
    private final Timeouts timeouts;
    private final RetryPolicy retry;
    private final BreakerSettings breaker;
    private final HostHeader host;
    private final UpstreamCredential credential;
    private final boolean forwardClientCredentials;
    private final UsageReader usage;
    private final boolean requiredForReadiness;

    private Service(Builder builder) {
        this.name = builder.name;
        this.endpoints = List.copyOf(builder.endpoints);
        this.balancing = builder.balancing;
        this.health = builder.health;
        this.timeouts = builder.timeouts;
        this.retry = builder.retry;
        this.breaker = builder.breaker;
        this.host = builder.host;
        this.credential = builder.credential;
        this.forwardClientCredentials = builder.forwardClientCredentials;
        this.usage = builder.usage;
        this.requiredForReadiness = builder.requiredForReadiness;
    }

    /**
     * Starts a service named {@code name} (letters, digits, {@code -}, {@code _}, {@code .}).
     *
     * @throws IllegalArgumentException naming the value when it is not such a name
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The endpoints, in the order given; at least one. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public Balancing balancing() {
        return balancing;
    }

    public HealthCheck health() {
        return health;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    public RetryPolicy retry() {
        return retry;
    }

    public BreakerSettings breaker() {
        return breaker;
    }

    public HostHeader host() {
        return host;
    }

    /** The credential added to every forwarded request, if any. */
    public Optional<UpstreamCredential> credential() {
        return Optional.ofNullable(credential);
    }

    /**
     * Whether the client's {@code Authorization} and {@code X-API-Key} go upstream; off by
     * default, so a client's key never reaches an upstream that does not need it.
     */
    public boolean forwardClientCredentials() {
        return forwardClientCredentials;
    }

    /** Reads the actual cost of a response; {@link UsageReader#none()} by default. */
    public UsageReader usage() {
        return usage;
    }

    /**
     * Whether the service being down (no healthy endpoint, or its circuit open) makes the
     * gateway not ready; off by default, so that one failing upstream does not take the
     * gateway's other routes out of a load balancer.
     */
    public boolean requiredForReadiness() {
        return requiredForReadiness;
    }

    @Override
    public String toString() {
        return "service " + name + " " + endpoints;
    }

    /** Collects a service's settings. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final List<Endpoint> endpoints = new ArrayList<>();
        private Balancing balancing = Balancing.LEAST_OUTSTANDING;
        private HealthCheck health = HealthCheck.DEFAULTS;
        private Timeouts timeouts = Timeouts.DEFAULTS;
        private RetryPolicy retry = RetryPolicy.DEFAULTS;
        private BreakerSettings breaker = BreakerSettings.DEFAULTS;
        private HostHeader host = HostHeader.endpoint();
        private UpstreamCredential credential;
        private boolean forwardClientCredentials;
        private UsageReader usage = UsageReader.none();
        private boolean requiredForReadiness;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || !name.chars().allMatch(c -> c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.')) {
                throw new IllegalArgumentException("service name '" + name + "' must be "
                        + "letters, digits, '-', '_' or '.'");
            }
            this.name = name;
        }

        /** Adds an endpoint URL such as {@code http://127.0.0.1:9001} or with a base path. */
        public Builder endpoint(String url) {
            return endpoint(Endpoint.parse(url));
        }

        /** Adds an endpoint URL with a weight for {@link Balancing#WEIGHTED}. */
        public Builder endpoint(String url, int weight) {
            return endpoint(Endpoint.parse(url, weight));
        }

        public Builder endpoint(Endpoint endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            if (endpoints.contains(endpoint)) {
                throw new IllegalArgumentException("service '" + name + "' lists endpoint "
                        + endpoint + " twice");
            }
            endpoints.add(endpoint);
            return this;
        }

        public Builder balancing(Balancing balancing) {
            this.balancing = Objects.requireNonNull(balancing, "balancing");
            return this;
        }

        public Builder health(HealthCheck health) {
            this.health = Objects.requireNonNull(health, "health");
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        public Builder circuitBreaker(BreakerSettings breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        public Builder host(HostHeader host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder credential(UpstreamCredential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /** Sends the client's {@code Authorization} and {@code X-API-Key} upstream as well. */
        public Builder forwardClientCredentials(boolean forward) {
            this.forwardClientCredentials = forward;
            return this;
        }

        public Builder usage(UsageReader usage) {
            this.usage = Objects.requireNonNull(usage, "usage");
            return this;
        }

        /** Whether the service being down makes the gateway not ready (default {@code false}). */
        public Builder requiredForReadiness(boolean required) {
            this.requiredForReadiness = required;
            return this;
        }

        /**
         * Builds the service.
         *
         * @throws IllegalArgumentException naming the service when it has no endpoint
         */
        public Service build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("service '" + name
                        + "' needs at least one endpoint");
            }
            return new Service(this);
        }
    }
}
