package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AccessLogTest {

    private static final String KEY = "sk_live_topSecretKeyValue";
    private static final String PARENT =
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final Logger access = (Logger) LoggerFactory.getLogger("io.gatehouse.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level before;

    @BeforeEach
    void capture() {
        lines.start();
        access.addAppender(lines);
        before = access.getLevel();
        access.setLevel(Level.INFO);
    }

    @AfterEach
    void release() {
        access.detachAppender(lines);
        access.setLevel(before);
    }

    private static Gateway gateway() {
        return Gateway.builder(Router.of(List.of(Route.builder("items", "/items/{id}").build())))
                .authenticator(request -> KEY.equals(request.header("X-API-Key"))
                        ? new AuthResult.Authenticated(
                                new Principal("alice", "premium", Set.of(), Set.of(), "k_1"))
                        : new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "unknown key"))
                .build();
    }

    @Test
    void admittedRequestLogsOneLineWithPrincipalTierAndTheCallersTrace() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/items/7")
                .header("X-API-Key", KEY).header("traceparent", PARENT).from("198.51.100.7"));
        Admission.Admitted admitted = (Admission.Admitted) admission;
        assertThat(admitted.request().trace().traceId())
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(lines.list).isEmpty();

        admitted.grant().complete(new Outcome(200, -1, 1_234));

        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getFormattedMessage()).matches(
                "GET /items/7 200 \\d+us route=items code=none principal=alice tier=premium"
                        + " client=198\\.51\\.100\\.7 trace=4bf92f3577b34da6a3ce929d0e0e4736"
                        + " bytes_out=1234");
        assertThat(lines.list.get(0).getKeyValuePairs()).anySatisfy(pair -> {
            assertThat(pair.key).isEqualTo("bytes_out");
            assertThat(pair.value).isEqualTo(1_234L);
        });
        assertThat(lines.list.get(0).getFormattedMessage()).doesNotContain(KEY);
    }

    @Test
    void clientValuesCannotSplitOrForgeALine() {
        gateway().admit(TestExchange.request("GET", "/nothing\r\nGET /forged 200\u2028x")
                .header("X-Request-ID", "id\u2029with\u0085breaks")
                .header("X-API-Key", KEY + "\n"));

        assertThat(lines.list).hasSize(1);
        String line = lines.list.get(0).getFormattedMessage();
        assertThat(line).startsWith("GET /nothing\\u000d\\u000aGET /forged 200\\u2028x 4")
                .doesNotContain("\r").doesNotContain("\n").doesNotContain("\u2028")
                .doesNotContain(KEY);
        assertThat(lines.list.get(0).getMDCPropertyMap().get("request_id"))
                .doesNotContain("\u2029").doesNotContain("\u0085");
    }

    @Test
    void escapeLeavesPlainValuesAlone() {
        String plain = "/v1/items/42?x";
        assertThat(AccessLog.escape(plain)).isSameAs(plain);
        assertThat(AccessLog.escape("a\\b")).isEqualTo("a\\\\b");
        assertThat(AccessLog.escape(null)).isEqualTo("-");
    }
}
