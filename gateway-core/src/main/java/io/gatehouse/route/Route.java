package io.gatehouse.route;

import io.gatehouse.Cidr;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.task.AsyncMode;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.Validator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A route: which requests it takes (methods and path pattern), who may call it, which limits and
 * validators apply beyond the caller's tier, and where admitted requests go.
 *
 * <p>Immutable.
 */
public final class Route {

    /** Default largest body a route accepts: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    private final String id;
    private final Set<String> methods;
    private final PathPattern pattern;
    private final boolean publicAccess;
    private final Set<String> requiredRoles;
    private final Set<String> requiredPermissions;
    private final List<LimitRule> limits;
    private final List<Validator> validators;
    private final int maxBodyBytes;
    private final long cost;
    private final List<Cidr> allowFrom;
    private final List<Cidr> denyFrom;
    private final Authenticator authenticator;
    private final Target target;
    private final CorsPolicy cors;
    private final AsyncMode async;

    private Route(Builder builder) {
        this.id = builder.id;
        this.methods = Set.copyOf(builder.methods);
        this.pattern = builder.pattern;
        this.publicAccess = builder.publicAccess;
        this.requiredRoles = Set.copyOf(builder.requiredRoles);
        this.requiredPermissions = Set.copyOf(builder.requiredPermissions);
        this.limits = List.copyOf(builder.limits);
        this.validators = List.copyOf(builder.validators);
        this.maxBodyBytes = builder.maxBodyBytes;
        this.cost = builder.cost;
        this.allowFrom = List.copyOf(builder.allowFrom);
        this.denyFrom = List.copyOf(builder.denyFrom);
        this.authenticator = builder.authenticator;
        this.target = builder.target;
        this.cors = builder.cors;
        this.async = builder.async;
    }

    /** Starts a route named {@code id} for paths matching {@code pathPattern}. */
    public static Builder builder(String id, String pathPattern) {
        return new Builder(id, PathPattern.parse(pathPattern));
    }

    /** The route's name, used in logs, metrics and {@link io.gatehouse.limit.KeyScope#ROUTE}. */
    public String id() {
        return id;
    }

    /** Methods this route takes, upper case; empty means any. */
    public Set<String> methods() {
        return methods;
    }

    public PathPattern pattern() {
        return pattern;
    }

    /** Whether callers without credentials are admitted (as the anonymous principal). */
    public boolean publicAccess() {
        return publicAccess;
    }

    /** Roles a principal must all hold, or 403. */
    public Set<String> requiredRoles() {
        return requiredRoles;
    }

    /** Permissions (scopes) a principal must all hold, or 403. */
    public Set<String> requiredPermissions() {
        return requiredPermissions;
    }

    /** Limits of this route, applied in addition to those of the caller's tier. */
    public List<LimitRule> limits() {
        return limits;
    }

    /** Validators run in order once the request is authenticated and within its limits. */
    public List<Validator> validators() {
        return validators;
    }

    /** The largest request body accepted; larger ones get 413 without being read. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Units one request takes from cost-weighted limits. */
    public long cost() {
        return cost;
    }

    /** Client address blocks this route may be called from; empty means anywhere. */
    public List<Cidr> allowFrom() {
        return allowFrom;
    }

    /** Client address blocks this route refuses (403), whatever {@link #allowFrom()} says. */
    public List<Cidr> denyFrom() {
        return denyFrom;
    }

    /** Whether a caller at {@code clientAddress} may call this route. */
    public boolean permitsAddress(String clientAddress) {
        return Cidr.permits(allowFrom, denyFrom, clientAddress);
    }

    /**
     * The authenticator of this route, replacing the gateway's (e.g. a different order of API
     * key, JWT and signature authenticators); empty to use the gateway's.
     */
    public Optional<Authenticator> authenticator() {
        return Optional.ofNullable(authenticator);
    }

    /**
     * Where admitted requests go: {@link Target#local()} (the application behind the filter, the
     * default) or an upstream service.
     */
    public Target target() {
        return target;
    }

    /** The CORS policy of this route, replacing the gateway's; empty to use the gateway's. */
    public Optional<CorsPolicy> cors() {
        return Optional.ofNullable(cors);
    }

    /**
     * How this route runs requests as asynchronous tasks; empty when every request is
     * forwarded synchronously.
     */
    public Optional<AsyncMode> async() {
        return Optional.ofNullable(async);
    }

    /** Whether this route takes {@code method}. */
    public boolean allowsMethod(String method) {
        return methods.isEmpty() || methods.contains(method);
    }

    @Override
    public String toString() {
        return id + " " + (methods.isEmpty() ? "*" : new TreeSet<>(methods)) + " " + pattern
                + (target instanceof Target.Upstream upstream ? " -> " + upstream.service() : "");
    }

    /** Collects a route's settings. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private final PathPattern pattern;
        private final Set<String> methods = new TreeSet<>();
        private boolean publicAccess;
        private final Set<String> requiredRoles = new TreeSet<>();
        private final Set<String> requiredPermissions = new TreeSet<>();
        private final List<LimitRule> limits = new ArrayList<>();
        private final List<Validator> validators = new ArrayList<>();
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private long cost = 1;
        private final List<Cidr> allowFrom = new ArrayList<>();
        private final List<Cidr> denyFrom = new ArrayList<>();
        private Authenticator authenticator;
        private Target target = Target.local();
        private CorsPolicy cors;
        private AsyncMode async;

        private Builder(String id, PathPattern pattern) {
            this.id = Objects.requireNonNull(id, "id");
            this.pattern = pattern;
        }

        /** Restricts the route to these methods (any case). */
        public Builder methods(String... methods) {
            for (String method : methods) {
                this.methods.add(method.toUpperCase(Locale.ROOT));
            }
            return this;
        }

        /** Admits callers without credentials. */
        public Builder publicAccess() {
            this.publicAccess = true;
            return this;
        }

        public Builder requireRoles(String... roles) {
            requiredRoles.addAll(List.of(roles));
            return this;
        }

        public Builder requirePermissions(String... permissions) {
            requiredPermissions.addAll(List.of(permissions));
            return this;
        }

        public Builder limit(LimitRule rule) {
            limits.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        public Builder validator(Validator validator) {
            validators.add(Objects.requireNonNull(validator, "validator"));
            return this;
        }

        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 0) {
                throw new IllegalArgumentException(
                        "route '" + id + "' maxBodyBytes must not be negative, was "
                                + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder cost(long cost) {
            if (cost < 1) {
                throw new IllegalArgumentException("route '" + id
                        + "' cost must be at least 1, was " + cost);
            }
            this.cost = cost;
            return this;
        }

        /**
         * Admits callers only from these blocks (IPv4 or IPv6 CIDR, or single addresses).
         *
         * @throws IllegalArgumentException naming a text that is not an IP block
         */
        public Builder allowFrom(String... blocks) {
            allowFrom.addAll(Cidr.parseAll(List.of(blocks)));
            return this;
        }

        /**
         * Refuses callers from these blocks, even when they are also allowed.
         *
         * @throws IllegalArgumentException naming a text that is not an IP block
         */
        public Builder denyFrom(String... blocks) {
            denyFrom.addAll(Cidr.parseAll(List.of(blocks)));
            return this;
        }

        /**
         * Authenticates this route's requests with {@code authenticator} instead of the
         * gateway's, e.g. {@code Authenticator.firstOf(List.of(signatures, jwt))}.
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /**
         * Sends admitted requests to {@code target}, e.g.
         * {@code Target.upstream("inference", PathRewrite.stripPrefix("/v1"))}.
         */
        public Builder target(Target target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** Answers cross-origin requests to this route by {@code cors}, not the gateway's. */
        public Builder cors(CorsPolicy cors) {
            this.cors = Objects.requireNonNull(cors, "cors");
            return this;
        }

        /**
         * Runs the requests that ask for it (see {@link AsyncMode}) as asynchronous tasks: 202
         * with a task id at once, the call forwarded in the background. The route must target
         * an upstream service.
         */
        public Builder async(AsyncMode async) {
            this.async = Objects.requireNonNull(async, "async");
            return this;
        }

        /**
         * Builds the route.
         *
         * @throws IllegalArgumentException when an async route does not target an upstream
         */
        public Route build() {
            if (async != null && !(target instanceof Target.Upstream)) {
                throw new IllegalArgumentException("route '" + id + "' is async, so it must "
                        + "target an upstream service");
            }
            return new Route(this);
        }
    }
}
