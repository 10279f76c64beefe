package io.gatehouse;

import java.util.Locale;

/**
 * The stable, machine-readable codes the gateway puts in the {@code code} member of its problem
 * responses. Clients may switch on them; a code is never renamed once released.
 */
public enum ErrorCode {
    MISSING_CREDENTIALS(401, "Missing credentials"),
    INVALID_API_KEY(401, "Invalid API key"),
    INVALID_TOKEN(401, "Invalid token"),
    INVALID_SIGNATURE(401, "Invalid signature"),
    FORBIDDEN(403, "Forbidden"),
    NOT_FOUND(404, "Not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    /** The request contradicts the target's current state, e.g. rotating a rotated key. */
    CONFLICT(409, "Conflict"),
    /** The request's headers or body did not arrive within the adapter's deadline. */
    REQUEST_TIMEOUT(408, "Request timeout"),
    PAYLOAD_TOO_LARGE(413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    VALIDATION_ERROR(400, "Validation error"),
    /** A prompt field was refused by the route's prompt guard; the detail stays generic. */
    PROMPT_REJECTED(400, "Prompt rejected"),
    RATE_LIMIT_EXCEEDED(429, "Rate limit exceeded"),
    TOO_MANY_AUTH_FAILURES(429, "Too many failed authentication attempts"),
    SERVICE_UNAVAILABLE(503, "Service unavailable"),
    /** The upstream refused the connection, reset it, or sent a response that is not HTTP. */
    UPSTREAM_UNAVAILABLE(502, "Upstream unavailable"),
    /** Every endpoint of the upstream service is ejected or failing its health checks. */
    NO_HEALTHY_UPSTREAM(503, "No healthy upstream"),
    /** The upstream service's circuit breaker is open; retry after {@code Retry-After}. */
    CIRCUIT_OPEN(503, "Circuit open"),
    /** The upstream did not connect, answer or continue within its timeout. */
    UPSTREAM_TIMEOUT(504, "Upstream timeout"),
    /** An asynchronous task's upstream response was larger than its route keeps. */
    RESULT_TOO_LARGE(502, "Upstream result too large"),
    INTERNAL_ERROR(500, "Internal error");

    private final int status;
    private final String title;

    ErrorCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /** The HTTP status that goes with this code. */
    public int status() {
        return status;
    }

    /** A short, human-readable summary that does not change from occurrence to occurrence. */
    public String title() {
        return title;
    }

    /** The problem type URI for this code, stable across releases. */
    public String typeUri() {
        return "urn:gatehouse:problem:"
                + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
