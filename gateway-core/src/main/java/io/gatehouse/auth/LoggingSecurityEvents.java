package io.gatehouse.auth;

import io.gatehouse.observe.LogText;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Writes security events to the security logger. Thread-safe. */
final class LoggingSecurityEvents implements SecurityEvents {
    static final LoggingSecurityEvents INSTANCE = new LoggingSecurityEvents();
    private static final Logger LOG = LoggerFactory.getLogger(SecurityEvents.LOGGER_NAME);

    private LoggingSecurityEvents() {
    }

    @Override
    public void publish(SecurityEvent event) {
        Level level = switch (event.type()) {
            case AUTH_FAILURE, AUTH_THROTTLED -> Level.WARN;
            default -> Level.INFO;
        };
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        String type = event.type().name().toLowerCase(Locale.ROOT);
        LOG.atLevel(level)
                .addKeyValue("event", type)
                .addKeyValue("request_id", clean(event.requestId()))
                .addKeyValue("client", clean(event.clientAddress()))
                .addKeyValue("subject", clean(event.subject()))
                .log("event={} request_id={} client={} subject={} detail=\"{}\"", type,
                        clean(event.requestId()), clean(event.clientAddress()),
                        clean(event.subject()), clean(event.detail()));
    }

    /** Keeps one event on one line whatever a caller managed to put into a field. */
    private static String clean(String value) {
        return LogText.escape(value);
    }
}
