package io.gatehouse.task;

import com.fasterxml.jackson.core.JsonPointer;
import java.time.Duration;
import java.util.Objects;

/**
 * How a route runs requests as asynchronous tasks (request-reply): which requests go async, where
 * their status is read, how long results are kept and how large they may be. A request goes
 * async when its JSON body holds {@code true} at {@link #bodyFlag()} or, if
 * {@link #preferRespondAsync()}, when it says {@code Prefer: respond-async} (RFC 7240); the
 * others are forwarded synchronously as usual. Only routes that forward upstream can be async.
 *
 * <p>Immutable.
 *
 * @param bodyFlag           JSON Pointer of a boolean body member that asks for async mode, e.g.
 *                           {@code /async_execution}, or {@code null} for none
 * @param preferRespondAsync whether {@code Prefer: respond-async} asks for async mode
 * @param statusPath         the path the task ids are appended to in {@code Location}, e.g.
 *                           {@code /agent/status}; a route with
 *                           {@link io.gatehouse.upstream.Target#taskStatus()} must serve it
 * @param ttl                how long a task is kept after it was last updated
 * @param maxResultBytes     the largest upstream response body kept; a larger one fails the task
 *                           with {@code RESULT_TOO_LARGE}
 * @param retryAfter         the polling interval suggested in {@code Retry-After}
 */
public record AsyncMode(String bodyFlag, boolean preferRespondAsync, String statusPath,
        Duration ttl, int maxResultBytes, Duration retryAfter) {

    /** Results are kept one hour by default. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** Results up to 1 MiB by default. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1 << 20;

    public AsyncMode {
        Objects.requireNonNull(statusPath, "statusPath");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (bodyFlag == null && !preferRespondAsync) {
            throw new IllegalArgumentException("async mode needs a body flag, "
                    + "Prefer: respond-async, or both");
        }
        if (bodyFlag != null) {
            if (!bodyFlag.startsWith("/")) {
                throw new IllegalArgumentException("async body flag must be a JSON Pointer "
                        + "starting with '/', was '" + bodyFlag + "'");
            }
            JsonPointer.compile(bodyFlag);
        }
        if (!statusPath.startsWith("/") || statusPath.endsWith("/")) {
            throw new IllegalArgumentException("async status path must start with '/' and not "
                    + "end with one, was '" + statusPath + "'");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("async ttl must be positive, was " + ttl);
        }
        if (maxResultBytes < 0) {
            throw new IllegalArgumentException("async max result bytes must not be negative, "
                    + "was " + maxResultBytes);
        }
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("async retry after must not be negative, was "
                    + retryAfter);
        }
    }

    /** Starts an async mode whose task ids go under {@code statusPath}. */
    public static Builder builder(String statusPath) {
        return new Builder(statusPath);
    }

    /** Collects an async mode's settings. Not thread-safe. */
    public static final class Builder {
        private final String statusPath;
        private String bodyFlag;
        private boolean prefer;
        private Duration ttl = DEFAULT_TTL;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;
        private Duration retryAfter = Duration.ofSeconds(1);

        private Builder(String statusPath) {
            this.statusPath = statusPath;
        }

        /** A boolean body member, by JSON Pointer, that asks for async mode when true. */
        public Builder bodyFlag(String jsonPointer) {
            this.bodyFlag = Objects.requireNonNull(jsonPointer, "jsonPointer");
            return this;
        }

        /** Also go async on {@code Prefer: respond-async}. */
        public Builder preferRespondAsync() {
            this.prefer = true;
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        public Builder maxResultBytes(int maxResultBytes) {
            this.maxResultBytes = maxResultBytes;
            return this;
        }

        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
            return this;
        }

        /**
         * Builds the mode.
         *
         * @throws IllegalArgumentException naming the bad value
         */
        public AsyncMode build() {
            return new AsyncMode(bodyFlag, prefer, statusPath, ttl, maxResultBytes, retryAfter);
        }
    }
}
