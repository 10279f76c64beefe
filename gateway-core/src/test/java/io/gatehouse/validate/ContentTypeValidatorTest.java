package io.gatehouse.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContentTypeValidatorTest {

    private final ContentTypeValidator json = ContentTypeValidator.accepting("application/json");

    private ValidationResult validate(TestExchange exchange) {
        return json.validate(new GatewayRequest(exchange, "r", "/x", "127.0.0.1"));
    }

    @Test
    void acceptsTheMediaTypeInAnyCaseWithParameters() {
        assertThat(validate(TestExchange.request("POST", "/x").body("{}")
                .header("Content-Type", "Application/JSON; charset=utf-8")))
                .isEqualTo(ValidationResult.valid());
    }

    @Test
    void refusesOtherMediaTypesWith415() {
        assertThat(validate(TestExchange.request("POST", "/x").body("a=b")
                .header("Content-Type", "application/x-www-form-urlencoded")))
                .isEqualTo(new ValidationResult.Invalid(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type must be one of [application/json]; "
                                + "got 'application/x-www-form-urlencoded'", List.of()));
    }

    @Test
    void refusesABodyWithoutContentType() {
        ValidationResult result = validate(TestExchange.request("POST", "/x").body("{}"));

        assertThat(((ValidationResult.Invalid) result).detail()).endsWith("none was given");
    }

    @Test
    void requestsWithoutABodyPass() {
        assertThat(validate(TestExchange.request("GET", "/x"))).isEqualTo(ValidationResult.valid());
    }
}
