package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.JsonBodyValidator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlainExchangeTest {

    private final Gateway gateway = Gateway.builder(Router.of(List.of(
                    Route.builder("chat", "/v1/chat").methods("POST").publicAccess()
                            .maxBodyBytes(32).validator(JsonBodyValidator.builder()
                                    .require("prompt", JsonBodyValidator.JsonType.STRING)
                                    .build()).build())))
            .trustedProxies(List.of("10.0.0.1"))
            .build();

    @Test
    void carriesMethodPathQueryHeadersAndBodyAsGiven() {
        PlainExchange exchange = PlainExchange.builder("post",
                        URI.create("http://gw.example/v1/caf%C3%A9?a=1&b=%20"))
                .header("X-Forwarded-For", "198.51.100.1").header("x-forwarded-for", "10.0.0.9")
                .header("Content-Type", "application/json")
                .body("{}".getBytes(StandardCharsets.UTF_8)).remoteAddress("10.0.0.1").build();

        assertThat(exchange.method()).isEqualTo("POST");
        assertThat(exchange.rawPath()).isEqualTo("/v1/caf%C3%A9");
        assertThat(exchange.query()).isEqualTo("a=1&b=%20");
        assertThat(exchange.headerValues("X-FORWARDED-FOR"))
                .containsExactly("198.51.100.1", "10.0.0.9");
        assertThat(exchange.header("content-type")).isEqualTo("application/json");
        assertThat(exchange.headerNames()).containsExactly("X-Forwarded-For", "Content-Type");
        assertThat(exchange.contentLength()).isEqualTo(2);
        assertThat(exchange.readBody(1)).containsExactly('{', '}');
        assertThat(exchange.readBody(0)).containsExactly('{');
        assertThat(PlainExchange.builder("GET", URI.create("/x")).build().contentLength())
                .isZero();
        assertThatThrownBy(() -> PlainExchange.builder("GET", URI.create("mailto:a@b")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void drivesTheWholeGatewayWithoutAContainer() {
        Admission admitted = gateway.admit(PlainExchange.builder("POST", URI.create("/v1/chat"))
                .header("X-Forwarded-For", "198.51.100.1")
                .body("{\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8))
                .remoteAddress("10.0.0.1").build());
        Admission invalid = gateway.admit(PlainExchange.builder("POST", URI.create("/v1/chat"))
                .body("{\"other\":1}".getBytes(StandardCharsets.UTF_8)).build());
        Admission tooLarge = gateway.admit(PlainExchange.builder("POST", URI.create("/v1/chat"))
                .body(new byte[33]).build());

        assertThat(((Admission.Admitted) admitted).request().clientAddress())
                .isEqualTo("198.51.100.1");
        assertThat(((Admission.Rejected) invalid).problem().code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(((Admission.Rejected) tooLarge).problem().code())
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }
}
