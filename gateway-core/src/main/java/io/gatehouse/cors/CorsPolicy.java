package io.gatehouse.cors;

import io.gatehouse.ResponseHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which browser origins may call a route across origins (the Fetch standard's CORS protocol),
 * and what they may send and read. The gateway consults it twice: to answer a preflight
 * ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) itself, and to
 * add the CORS headers to every other response of a cross-origin request, rejections included.
 * An origin that is not allowed gets no CORS headers at all, so the browser withholds the
 * response from the page.
 *
 * <p>Origins are exact ({@code https://app.example.com}, scheme, host and port as the browser
 * sends them), patterns with one leading wildcard label ({@code https://*.example.com} matches
 * {@code https://a.example.com} and {@code https://a.b.example.com}, not
 * {@code https://example.com}), or {@code *} for any origin (not with credentials).
 *
 * <p>Immutable.
 */
public final class CorsPolicy {

    /** Headers a page may read by default: rate-limit state, retry hints and the request id. */
    public static final List<String> DEFAULT_EXPOSED_HEADERS = List.of("RateLimit",
            "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
            "Retry-After", "X-Request-ID");

    /** Request headers a page may send by default, beyond the CORS-safelisted ones. */
    public static final List<String> DEFAULT_ALLOWED_HEADERS = List.of("Authorization",
            "Content-Type", "X-API-Key", "X-Request-ID");

    /** Methods a page may use by default. */
    public static final List<String> DEFAULT_ALLOWED_METHODS = List.of("GET", "HEAD", "POST");

    private static final ResponseHeaders VARY_ORIGIN =
            ResponseHeaders.builder().add("Vary", "Origin").build();
    private static final ResponseHeaders VARY_PREFLIGHT = ResponseHeaders.builder()
            .add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
            .build();

    private final boolean anyOrigin;
    private final Set<String> exactOrigins;
    private final List<String[]> originPatterns;
    private final Set<String> methods;
    private final boolean anyHeader;
    private final Set<String> headers;
    private final String exposedHeaders;
    private final boolean credentials;
    private final long maxAgeSeconds;
    private final String allowMethods;

    private CorsPolicy(Builder builder) {
        this.anyOrigin = builder.anyOrigin;
        this.exactOrigins = Set.copyOf(builder.exactOrigins);
        this.originPatterns = List.copyOf(builder.originPatterns);
        this.methods = Set.copyOf(builder.methods);
        this.anyHeader = builder.anyHeader;
        this.headers = Set.copyOf(builder.headers);
        this.exposedHeaders = String.join(", ", builder.exposedHeaders);
        this.credentials = builder.credentials;
        this.maxAgeSeconds = builder.maxAge.toSeconds();
        this.allowMethods = String.join(", ", new TreeSet<>(builder.methods));
    }

    /** Starts a policy; it allows no origin until {@link Builder#allowOrigins} names some. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether a page from {@code origin} (the {@code Origin} header's value) may call. */
    public boolean allowsOrigin(String origin) {
        if (origin == null) {
            return false;
        }
        if (anyOrigin) {
            return true;
        }
        String normalized = origin.toLowerCase(Locale.ROOT);
        if (exactOrigins.contains(normalized)) {
            return true;
        }
        for (String[] pattern : originPatterns) {
            if (matches(normalized, pattern[0], pattern[1])) {
                return true;
            }
        }
        return false;
    }

    /** {@code scheme://} + one or more DNS labels + {@code .suffix[:port]}, nothing else. */
    private static boolean matches(String origin, String prefix, String suffix) {
        int middleEnd = origin.length() - suffix.length();
        if (middleEnd <= prefix.length() || !origin.startsWith(prefix)
                || !origin.endsWith(suffix)) {
            return false;
        }
        for (int i = prefix.length(); i < middleEnd; i++) {
            char c = origin.charAt(i);
            boolean label = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.';
            if (!label) {
                return false;
            }
        }
        return origin.charAt(prefix.length()) != '.';
    }

    /**
     * The headers answering a preflight from {@code origin} that asks for {@code method} and
     * the comma-separated {@code requestHeaders} (may be {@code null}). When the origin, the
     * method or one of the headers is not allowed, only {@code Vary} comes back: the browser
     * then refuses the real request.
     */
    public ResponseHeaders preflight(String origin, String method, String requestHeaders) {
        if (!allowsOrigin(origin) || method == null
                || !methods.contains(method.strip().toUpperCase(Locale.ROOT))) {
            return VARY_PREFLIGHT;
        }
        String requested = requestHeaders == null ? "" : requestHeaders.strip();
        if (!requested.isEmpty() && !anyHeader) {
            for (String name : requested.split(",")) {
                String header = name.strip().toLowerCase(Locale.ROOT);
                if (!header.isEmpty() && !headers.contains(header)) {
                    return VARY_PREFLIGHT;
                }
            }
        }
        ResponseHeaders.Builder answer = ResponseHeaders.builder()
                .add("Access-Control-Allow-Origin", origin)
                .add("Access-Control-Allow-Methods", allowMethods);
        if (!requested.isEmpty()) {
            answer.add("Access-Control-Allow-Headers", requested);
        }
        if (credentials) {
            answer.add("Access-Control-Allow-Credentials", "true");
        }
        if (maxAgeSeconds > 0) {
            answer.add("Access-Control-Max-Age", Long.toString(maxAgeSeconds));
        }
        return answer.addAll(VARY_PREFLIGHT).build();
    }

    /**
     * The headers for the response (admitted or rejected) to a request from {@code origin}: the
     * allowed origin, credentials and exposed headers, or only {@code Vary: Origin} when the
     * origin is not allowed.
     */
    public ResponseHeaders response(String origin) {
        if (!allowsOrigin(origin)) {
            return VARY_ORIGIN;
        }
        ResponseHeaders.Builder answer = ResponseHeaders.builder()
                .add("Access-Control-Allow-Origin", origin);
        if (credentials) {
            answer.add("Access-Control-Allow-Credentials", "true");
        }
        if (!exposedHeaders.isEmpty()) {
            answer.add("Access-Control-Expose-Headers", exposedHeaders);
        }
        return answer.addAll(VARY_ORIGIN).build();
    }

    /** Collects a policy's settings. Not thread-safe. */
    public static final class Builder {
        private boolean anyOrigin;
        private final Set<String> exactOrigins = new LinkedHashSet<>();
        private final List<String[]> originPatterns = new ArrayList<>();
        private final Set<String> methods = new LinkedHashSet<>(DEFAULT_ALLOWED_METHODS);
        private boolean anyHeader;
        private final Set<String> headers = new LinkedHashSet<>();
        private final Set<String> exposedHeaders = new LinkedHashSet<>(DEFAULT_EXPOSED_HEADERS);
        private boolean credentials;
        private Duration maxAge = Duration.ofMinutes(10);

        private Builder() {
            DEFAULT_ALLOWED_HEADERS.forEach(name -> headers.add(name.toLowerCase(Locale.ROOT)));
        }

        /**
         * Adds allowed origins: exact ({@code https://app.example.com}), a pattern with one
         * leading wildcard label ({@code https://*.example.com}, optionally with a port), or
         * {@code *}.
         *
         * @throws IllegalArgumentException naming an origin that is none of these
         */
        public Builder allowOrigins(String... origins) {
            for (String origin : origins) {
                addOrigin(Objects.requireNonNull(origin, "origin").strip());
            }
            return this;
        }

        private void addOrigin(String origin) {
            if (origin.equals("*")) {
                anyOrigin = true;
                return;
            }
            String lower = origin.toLowerCase(Locale.ROOT);
            int schemeEnd = lower.indexOf("://");
            boolean schemeOk = schemeEnd > 0 && lower.substring(0, schemeEnd).chars()
                    .allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+'
                            || c == '-' || c == '.');
            String host = schemeOk ? lower.substring(schemeEnd + 3) : "";
            if (!schemeOk || host.isEmpty() || host.contains("/") || host.contains("@")
                    || host.indexOf('*') != host.lastIndexOf('*')) {
                throw new IllegalArgumentException("'" + origin + "' is not an origin "
                        + "(scheme://host[:port]), a pattern like https://*.example.com, or *");
            }
            if (host.indexOf('*') < 0) {
                exactOrigins.add(lower);
            } else if (host.startsWith("*.") && host.length() > 2) {
                originPatterns.add(new String[] {lower.substring(0, schemeEnd + 3),
                        host.substring(1)});
            } else {
                throw new IllegalArgumentException("'" + origin + "': a wildcard may only "
                        + "stand for the leading labels of the host, as in https://*.example.com");
            }
        }

        /** Replaces the allowed methods (default GET, HEAD, POST). */
        public Builder allowMethods(String... methods) {
            this.methods.clear();
            for (String method : methods) {
                String upper = method.strip().toUpperCase(Locale.ROOT);
                if (upper.isEmpty() || !upper.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
                    throw new IllegalArgumentException("'" + method + "' is not an HTTP method");
                }
                this.methods.add(upper);
            }
            return this;
        }

        /**
         * Replaces the request headers a page may send (default Authorization, Content-Type,
         * X-API-Key, X-Request-ID); {@code *} allows any.
         */
        public Builder allowHeaders(String... headers) {
            this.headers.clear();
            this.anyHeader = false;
            for (String header : headers) {
                String name = header.strip().toLowerCase(Locale.ROOT);
                if (name.equals("*")) {
                    anyHeader = true;
                } else if (!name.isEmpty()) {
                    this.headers.add(name);
                }
            }
            return this;
        }

        /** Adds response headers a page may read, beyond {@link #DEFAULT_EXPOSED_HEADERS}. */
        public Builder exposeHeaders(String... headers) {
            for (String header : headers) {
                if (!header.isBlank()) {
                    exposedHeaders.add(header.strip());
                }
            }
            return this;
        }

        /** Lets pages send cookies and HTTP authentication (not with origin {@code *}). */
        public Builder allowCredentials(boolean credentials) {
            this.credentials = credentials;
            return this;
        }

        /** How long a browser may cache a preflight answer (default 10 minutes; 0: omit). */
        public Builder maxAge(Duration maxAge) {
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("maxAge must not be negative, was " + maxAge);
            }
            this.maxAge = maxAge;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws IllegalStateException when credentials are allowed for any origin
         */
        public CorsPolicy build() {
            if (credentials && anyOrigin) {
                throw new IllegalStateException("credentials cannot be allowed for origin '*'; "
                        + "list the origins instead");
            }
            return new CorsPolicy(this);
        }
    }
}
