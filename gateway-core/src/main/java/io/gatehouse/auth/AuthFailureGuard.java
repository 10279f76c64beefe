package io.gatehouse.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.gatehouse.Cidr;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Brute-force protection around another {@link Authenticator}: counts refused credentials per
 * client address and, once an address has used up its allowance, refuses its requests with
 * {@link ErrorCode#TOO_MANY_AUTH_FAILURES} (429, with a retry hint) without asking the wrapped
 * authenticator at all, so guessing gets neither answers nor store lookups.
 *
 * <p>IPv6 clients are counted per /64 network, since one client usually holds a whole /64 and
 * could otherwise rotate through its addresses. The allowance is a token bucket:
 * {@code maxFailures} failures at once, refilled at {@code maxFailures} per {@code period}.
 * Successful authentications do not refill it.
 *
 * <p>Each request takes one unit of its address's allowance <em>before</em> the wrapped
 * authenticator is asked, and gets it back when the answer is not a refused credential (success,
 * no credentials, a store that cannot answer). So however many requests one address sends at
 * once, at most {@code maxFailures} of them reach the wrapped authenticator while none has been
 * answered: the allowance also caps how many authentications one address may have in flight
 * together, and the excess is refused with {@link ErrorCode#TOO_MANY_AUTH_FAILURES} like
 * guesses. Every
 * refusal and every throttled request is published as a {@link SecurityEvent}. At most
 * {@code maximumTrackedAddresses} addresses are tracked (least recently seen dropped first), so
 * a flood of addresses cannot exhaust memory.
 *
 * <p>Thread-safe.
 */
public final class AuthFailureGuard implements Authenticator {

    private final Authenticator delegate;
    private final int maxFailures;
    /** One failure's cost in credit units; every millisecond refills {@code maxFailures}. */
    private final long failureCost;
    private final Clock clock;
    private final SecurityEvents events;
    private final Cache<String, FailureBucket> buckets;

    private AuthFailureGuard(Builder builder) {
        this.delegate = builder.delegate;
        this.maxFailures = builder.maxFailures;
        this.failureCost = builder.period.toMillis();
        this.clock = builder.clock;
        this.events = builder.events;
        Clock ticks = builder.clock;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(builder.maximumTrackedAddresses)
                // An untouched bucket is full again after one period: forgetting it is exact.
                .expireAfterAccess(builder.period)
                .ticker(() -> ticks.millis() * 1_000_000L)
                .build();
    }

    /** Guards {@code delegate}; by default 10 failures per minute per address. */
    public static Builder builder(Authenticator delegate) {
        return new Builder(delegate);
    }

    @Override
    public List<Credential> credentials() {
        return delegate.credentials();
    }

    @Override
    public AuthResult authenticate(GatewayRequest request) {
        String address = Cidr.aggregate(request.clientAddress(), 64);
        long now = clock.millis();
        FailureBucket bucket = buckets.get(address, key -> new FailureBucket(now));
        long waitMillis = bucket.reserve(now);
        if (waitMillis > 0) {
            long retryAfter = Math.max(1, (waitMillis + 999) / 1000);
            publish(SecurityEvent.Type.AUTH_THROTTLED, request, "", "refused after "
                    + maxFailures + " failed authentications; retry after " + retryAfter + "s");
            return new AuthResult.Rejected(ErrorCode.TOO_MANY_AUTH_FAILURES,
                    "too many failed authentication attempts from this address; retry in "
                            + retryAfter + " seconds", retryAfter);
        }
        AuthResult result = null;
        try {
            result = delegate.authenticate(request);
        } finally {
            // The reservation stands only for a refused credential; anything else, a broken
            // authenticator included, hands the unit back.
            if (!(result instanceof AuthResult.Rejected rejected
                    && rejected.code().status() == 401)) {
                bucket.refund();
            }
        }
        if (result instanceof AuthResult.Rejected rejected && rejected.code().status() == 401) {
            publish(SecurityEvent.Type.AUTH_FAILURE, request, rejected.code().name(),
                    rejected.securityDetail());
        }
        return result;
    }

    private void publish(SecurityEvent.Type type, GatewayRequest request, String subject,
            String detail) {
        events.publish(new SecurityEvent(type, clock.instant(), request.requestId(),
                request.clientAddress(), subject, detail));
    }

    /**
     * The failure allowance of one address, in whole credit units so that retry times are exact:
     * a failure costs {@code period} milliseconds' worth of units and every millisecond refills
     * {@code maxFailures} units, up to {@code maxFailures} failures.
     */
    private final class FailureBucket {
        private long credit;
        private long updatedAt;

        FailureBucket(long now) {
            this.credit = capacity();
            this.updatedAt = now;
        }

        private long capacity() {
            return maxFailures * failureCost;
        }

        /**
         * Takes one failure's credit if it is there: returns 0, and the caller must
         * {@link #refund()} it unless the attempt failed. Otherwise takes nothing and returns
         * the milliseconds until it is there.
         */
        synchronized long reserve(long now) {
            refill(now);
            if (credit >= failureCost) {
                credit -= failureCost;
                return 0;
            }
            return (failureCost - credit + maxFailures - 1) / maxFailures;
        }

        /** Gives back the credit taken by {@link #reserve(long)}. */
        synchronized void refund() {
            credit = Math.min(capacity(), credit + failureCost);
        }

        private void refill(long now) {
            if (now > updatedAt) {
                // Capped at one period first: a full refill, and no overflow however long idle.
                long elapsed = Math.min(now - updatedAt, failureCost);
                credit = Math.min(capacity(), credit + elapsed * maxFailures);
                updatedAt = now;
            }
        }
    }

    /** Collects a guard's settings. Not thread-safe. */
    public static final class Builder {
        private final Authenticator delegate;
        private int maxFailures = 10;
        private Duration period = Duration.ofMinutes(1);
        private Clock clock = Clock.systemUTC();
        private SecurityEvents events = SecurityEvents.logging();
        private long maximumTrackedAddresses = 100_000;

        private Builder(Authenticator delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        /** Failures allowed per address within {@code period} before it is refused. */
        public Builder maxFailures(int maxFailures, Duration period) {
            if (maxFailures < 1) {
                throw new IllegalArgumentException("maxFailures must be at least 1, was "
                        + maxFailures);
            }
            if (period.toMillis() < 1) {
                throw new IllegalArgumentException("period must be at least 1ms, was " + period);
            }
            this.maxFailures = maxFailures;
            this.period = period;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where failures and throttling go; {@link SecurityEvents#logging()} by default. */
        public Builder events(SecurityEvents events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        public Builder maximumTrackedAddresses(long maximum) {
            if (maximum < 1) {
                throw new IllegalArgumentException("maximumTrackedAddresses must be positive, was "
                        + maximum);
            }
            this.maximumTrackedAddresses = maximum;
            return this;
        }

        public AuthFailureGuard build() {
            return new AuthFailureGuard(this);
        }
    }
}
