package io.gatehouse.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Service} decides that an endpoint is unhealthy and when it takes it back.
 *
 * <p>Passive: after {@code consecutiveFailures} failures in a row (connection failures, timeouts,
 * 5xx) an endpoint is ejected for {@code ejectFor} (doubled for each ejection in a row, at most
 * ten times), then re-admitted; one success resets its count. Active (when {@code probePath} is
 * set): every {@code probeInterval} the endpoint's {@code probePath} is requested; a status other
 * than 2xx/3xx, or none within {@code probeTimeout}, ejects it until a probe succeeds.
 *
 * <p>Immutable.
 *
 * @param probePath the path probed, or {@code null} for passive checks only
 */
public record HealthCheck(int consecutiveFailures, Duration ejectFor, String probePath,
        Duration probeInterval, Duration probeTimeout) {

    /** Passive only: 5 failures in a row eject for 10s. */
    public static final HealthCheck DEFAULTS =
            new HealthCheck(5, Duration.ofSeconds(10), null, Duration.ofSeconds(5),
                    Duration.ofSeconds(1));

    public HealthCheck {
        Objects.requireNonNull(ejectFor, "ejectFor");
        Objects.requireNonNull(probeInterval, "probeInterval");
        Objects.requireNonNull(probeTimeout, "probeTimeout");
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("health consecutive_failures must be >= 1, was "
                    + consecutiveFailures);
        }
        if (ejectFor.isNegative() || ejectFor.isZero()) {
            throw new IllegalArgumentException("health eject_for must be positive, was "
                    + ejectFor);
        }
        if (probePath != null && !probePath.startsWith("/")) {
            throw new IllegalArgumentException("health probe path '" + probePath
                    + "' must start with /");
        }
        if (probeInterval.isNegative() || probeInterval.isZero()
                || probeTimeout.isNegative() || probeTimeout.isZero()) {
            throw new IllegalArgumentException("health probe interval and timeout must be "
                    + "positive, were " + probeInterval + " and " + probeTimeout);
        }
    }

    /** These settings with active probes of {@code path} every {@code interval}. */
    public HealthCheck withProbe(String path, Duration interval, Duration timeout) {
        return new HealthCheck(consecutiveFailures, ejectFor, path, interval, timeout);
    }

    /** These settings with passive ejection after {@code failures} for {@code duration}. */
    public HealthCheck withEjection(int failures, Duration duration) {
        return new HealthCheck(failures, duration, probePath, probeInterval, probeTimeout);
    }
}
