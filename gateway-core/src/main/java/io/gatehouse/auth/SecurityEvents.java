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

    /** Logs events on {@value #LOGGER_NAME}: failures at WARN, credential changes at INFO. */
    static SecurityEvents logging() {
        return LoggingSecurityEvents.INSTANCE;
    }

    /** Drops every event. */
    static SecurityEvents none() {
        return event -> { };
    }
}
