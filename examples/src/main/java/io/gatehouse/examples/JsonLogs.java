package io.gatehouse.examples;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * Switches the example's logging to one JSON object per line ({@code --log-format json}), with
 * logback's own {@code JsonEncoder}: the access log's fields (method, route, status, duration,
 * principal, tier, code, client, trace id) become members, the MDC's request and trace ids too.
 *
 * <p>Thread-safe; call before the gateway starts.
 */
final class JsonLogs {

    /** The logback configuration used instead of {@code logback.xml}. */
    static final String CONFIGURATION = "logback-json.xml";

    private JsonLogs() {
    }

    /** Replaces the logging configuration with {@value #CONFIGURATION}. */
    static void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        URL configuration = JsonLogs.class.getClassLoader().getResource(CONFIGURATION);
        if (configuration == null) {
            throw new IllegalStateException(CONFIGURATION + " is missing from the jar");
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(configuration);
        } catch (JoranException e) {
            throw new IllegalStateException(CONFIGURATION + " is broken: " + e.getMessage(), e);
        }
    }

    /**
     * Sets the root logger's level ({@code --log-level}, {@code LOG_LEVEL}); the Gatehouse
     * loggers follow it.
     */
    static void rootLevel(String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        ch.qos.logback.classic.Level parsed = ch.qos.logback.classic.Level.toLevel(level,
                ch.qos.logback.classic.Level.INFO);
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(parsed);
        context.getLogger("io.gatehouse").setLevel(parsed);
    }
}
