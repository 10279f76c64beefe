package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SecurityEventsTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.gatehouse.security");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void capture() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
    }

    @Test
    void eventsAreLoggedAsOneStructuredLineOnTheSecurityLogger() {
        SecurityEvents.logging().publish(new SecurityEvent(SecurityEvent.Type.AUTH_FAILURE,
                Instant.EPOCH, "req-1", "203.0.113.5", "INVALID_API_KEY",
                "the API key is not valid"));
        SecurityEvents.logging().publish(new SecurityEvent(SecurityEvent.Type.KEY_REVOKED,
                Instant.EPOCH, "", "", "kid_1", "revoked by root"));

        assertThat(appender.list).hasSize(2);
        ILoggingEvent failure = appender.list.get(0);
        assertThat(failure.getLevel()).isEqualTo(Level.WARN);
        assertThat(failure.getFormattedMessage()).isEqualTo("event=auth_failure request_id=req-1"
                + " client=203.0.113.5 subject=INVALID_API_KEY"
                + " detail=\"the API key is not valid\"");
        assertThat(failure.getKeyValuePairs()).extracting(pair -> pair.key + "=" + pair.value)
                .containsExactly("event=auth_failure", "request_id=req-1",
                        "client=203.0.113.5", "subject=INVALID_API_KEY");
        assertThat(appender.list.get(1).getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void lineBreaksAndQuotesCannotForgeAnotherLogLine() {
        SecurityEvents.logging().publish(new SecurityEvent(SecurityEvent.Type.AUTH_FAILURE,
                Instant.EPOCH, "req-1\nevent=key_created", "x", "s", "a\"b\r\nc"));

        assertThat(appender.list.get(0).getFormattedMessage())
                .isEqualTo("event=auth_failure request_id=req-1\\u000aevent=key_created client=x"
                        + " subject=s detail=\"a\\\"b\\u000d\\u000ac\"");
    }

    @Test
    void unicodeLineSeparatorsAndC1ControlsAreEscapedInEveryField() {
        SecurityEvents.logging().publish(new SecurityEvent(SecurityEvent.Type.AUTH_FAILURE,
                Instant.EPOCH, "r", "x\u2028y", "key\u2029id", "a\u0085b\u009bc"));

        assertThat(appender.list.get(0).getFormattedMessage())
                .isEqualTo("event=auth_failure request_id=r client=x\\u2028y"
                        + " subject=key\\u2029id detail=\"a\\u0085b\\u009bc\"");
    }

    private static SecurityEvent failure(String client, long atMillis) {
        return new SecurityEvent(SecurityEvent.Type.AUTH_FAILURE, Instant.ofEpochMilli(atMillis),
                "req", client, "INVALID_API_KEY", "the API key is not valid");
    }

    @Test
    void repeatedFailuresFromOneAddressAreOneLinePlusOneSummaryPerInterval() {
        LoggingSecurityEvents events = new LoggingSecurityEvents(Duration.ofSeconds(10), 100);

        for (int i = 0; i < 1_000; i++) {
            events.publish(failure("198.51.100.1", 1_000_000 + i));
        }
        assertThat(appender.list).hasSize(1);

        events.publish(failure("198.51.100.1", 1_010_000));

        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "event=auth_failure request_id=req client=198.51.100.1 subject=INVALID_API_KEY"
                        + " detail=\"the API key is not valid\"",
                "event=auth_failure client=198.51.100.1 repeats=999 within=10s"
                        + " (summarized, not logged one by one)",
                "event=auth_failure request_id=req client=198.51.100.1 subject=INVALID_API_KEY"
                        + " detail=\"the API key is not valid\"");
    }

    @Test
    void eachAddressGetsItsOwnLineAndQuietAddressesAreSummarizedByTheSweep() {
        LoggingSecurityEvents events = new LoggingSecurityEvents(Duration.ofSeconds(10), 100);

        events.publish(failure("198.51.100.1", 0));
        events.publish(failure("198.51.100.1", 1));
        events.publish(failure("198.51.100.2", 2));
        events.publish(failure("198.51.100.3", 20_000));

        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(line -> line.contains("repeats="))
                .containsExactly("event=auth_failure client=198.51.100.1 repeats=1 within=10s"
                        + " (summarized, not logged one by one)");
        assertThat(appender.list).hasSize(4);
    }

    @Test
    void addressesBeyondTheBoundShareOneWindow() {
        LoggingSecurityEvents events = new LoggingSecurityEvents(Duration.ofSeconds(10), 2);

        for (int i = 0; i < 50; i++) {
            events.publish(failure("203.0.113." + i, 5_000));
        }

        // Two addresses fill the bound, the third opens the shared window, the rest repeat it.
        assertThat(appender.list).hasSize(3);
        assertThat(appender.list.get(2).getFormattedMessage()).contains("client=203.0.113.2 ");
        events.publish(failure("203.0.113.0", 16_000));
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .contains("event=auth_failure client=* repeats=47 within=10s"
                        + " (summarized, not logged one by one)");
    }

    @Test
    void credentialChangesAreNeverAggregated() {
        LoggingSecurityEvents events = new LoggingSecurityEvents(Duration.ofSeconds(10), 100);

        for (int i = 0; i < 5; i++) {
            events.publish(new SecurityEvent(SecurityEvent.Type.KEY_REVOKED, Instant.EPOCH, "",
                    "198.51.100.9", "kid_" + i, "revoked"));
        }

        assertThat(appender.list).hasSize(5);
    }
}
