package io.gatehouse.auth;

/**
 * Receives {@link SecurityEvent}s. The default, {@link #logging()}, writes each as one structured
 * line on the logger {@value #LOGGER_NAME}, with the fields also attached as SLF4J key-value
 * pairs for structured encoders.
 *
 * <p>Implementations must be thread-safe and fast: events are published on the request path.
 */
@FunctionalInterface
public interface SecurityEvents {

    /** The logger security events are written to. */
    String LOGGER_NAME = "io.gatehouse.security";

    /** Handles one event. */
    void publish(SecurityEvent event);

    /**
     * Logs events on {@value #LOGGER_NAME}: credential changes at INFO, each on its own line;
     * failures and throttling at WARN, aggregated per type and client address so an attack
     * cannot flood the log: the first of each 10-second interval in full, then one summary line
     * with the number of repeats once the interval is over (at the next event of any client).
     */
    static SecurityEvents logging() {
        return LoggingSecurityEvents.INSTANCE;
    }

    /** Drops every event. */
    static SecurityEvents none() {
        return event -> { };
    }
}
