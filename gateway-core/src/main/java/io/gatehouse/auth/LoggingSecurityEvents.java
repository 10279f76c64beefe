package io.gatehouse.auth;

import io.gatehouse.observe.LogText;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Writes security events to the security logger. Failures and throttling repeat by the thousand
 * under attack, so they are aggregated per type and client address: the first of an interval is
 * logged in full, the repeats only counted, and the count is logged as one summary line when
 * the interval is over (at the next event of any client). Credential changes are always logged.
 *
 * <p>Thread-safe.
 */
final class LoggingSecurityEvents implements SecurityEvents {
    static final LoggingSecurityEvents INSTANCE =
            new LoggingSecurityEvents(Duration.ofSeconds(10), 10_000);
    private static final Logger LOG = LoggerFactory.getLogger(SecurityEvents.LOGGER_NAME);
    /** Clients beyond the bound share this one window per type. */
    private static final String OTHER_CLIENTS = "*";

    private final long intervalMillis;
    private final int maxClients;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong nextSweepMillis = new AtomicLong(Long.MIN_VALUE);

    /** Repeats of one type from one client within one interval. */
    private record Window(String type, String client, long startMillis, AtomicLong repeats) {
    }

    LoggingSecurityEvents(Duration interval, int maxClients) {
        this.intervalMillis = interval.toMillis();
        this.maxClients = maxClients;
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
        if (level == Level.WARN && repeated(event)) {
            return;
        }
        write(level, event);
    }

    /**
     * Whether {@code event} repeats one already logged in its interval (then it is only
     * counted); otherwise it opens a new interval, and the closed one's count is logged.
     */
    private boolean repeated(SecurityEvent event) {
        long now = event.at().toEpochMilli();
        sweep(now);
        String type = event.type().name().toLowerCase(Locale.ROOT);
        String client = clean(event.clientAddress());
        if (windows.size() >= maxClients && !windows.containsKey(type + ' ' + client)) {
            client = OTHER_CLIENTS;
        }
        String key = type + ' ' + client;
        Window[] closed = new Window[1];
        boolean[] counted = new boolean[1];
        String windowClient = client;
        windows.compute(key, (ignored, window) -> {
            if (window != null && now < window.startMillis() + intervalMillis) {
                window.repeats().incrementAndGet();
                counted[0] = true;
                return window;
            }
            closed[0] = window;
            return new Window(type, windowClient, now, new AtomicLong());
        });
        if (closed[0] != null) {
            summarize(closed[0]);
        }
        return counted[0];
    }

    /** Logs and forgets the windows whose interval is over, at most once an interval. */
    private void sweep(long now) {
        long next = nextSweepMillis.get();
        if (now < next || !nextSweepMillis.compareAndSet(next, now + intervalMillis)) {
            return;
        }
        for (Window window : windows.values()) {
            if (now >= window.startMillis() + intervalMillis
                    && windows.remove(window.type() + ' ' + window.client(), window)) {
                summarize(window);
            }
        }
    }

    private void summarize(Window window) {
        long repeats = window.repeats().get();
        if (repeats > 0) {
            LOG.atWarn()
                    .addKeyValue("event", window.type())
                    .addKeyValue("client", window.client())
                    .addKeyValue("repeats", repeats)
                    .log("event={} client={} repeats={} within={}s (summarized, not logged one "
                            + "by one)", window.type(), window.client(), repeats,
                            intervalMillis / 1000);
        }
    }

    private void write(Level level, SecurityEvent event) {
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
