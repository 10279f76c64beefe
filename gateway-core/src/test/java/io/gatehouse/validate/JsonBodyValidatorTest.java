package io.gatehouse.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import io.gatehouse.validate.ValidationResult.FieldError;
import io.gatehouse.validate.ValidationResult.Invalid;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonBodyValidatorTest {

    private final JsonBodyValidator validator = JsonBodyValidator.builder()
            .require("prompt", JsonType.STRING)
            .require("context", JsonType.OBJECT)
            .maxDepth(4)
            .build();

    private ValidationResult validate(String body) throws IOException {
        TestExchange exchange = TestExchange.request("POST", "/x").body(body);
        return validator.validate(new GatewayRequest(exchange, "r", "/x", "127.0.0.1"));
    }

    @Test
    void aBodyJacksonTakesForOddlyOrderedUcs4IsAValidationErrorNotAnException()
            throws IOException {
        // Found by JsonBodyProperties: only the second of the first four bytes is set.
        TestExchange exchange = TestExchange.request("POST", "/x")
                .body(new byte[] {0, 'A', 0, 0}, true);

        ValidationResult result = validator.validate(
                new GatewayRequest(exchange, "r", "/x", "127.0.0.1"));

        assertThat(result).isEqualTo(new Invalid(ErrorCode.VALIDATION_ERROR,
                "the request body is not well-formed JSON",
                List.of(new FieldError("", "is not well-formed JSON"))));
    }

    @Test
    void acceptsAnObjectWithEveryRequiredField() throws IOException {
        assertThat(validate("{\"prompt\":\"hi\",\"context\":{\"a\":[1,2]}}"))
                .isEqualTo(ValidationResult.valid());
    }

    @Test
    void namesEveryMissingOrMistypedFieldInOrder() throws IOException {
        ValidationResult result = validate("{\"prompt\":42}");

        assertThat(result).isEqualTo(new Invalid(ErrorCode.VALIDATION_ERROR,
                "invalid fields: context is required; prompt must be of type string",
                List.of(new FieldError("/context", "is required"),
                        new FieldError("/prompt", "must be of type string"))));
    }

    @Test
    void nullCountsAsMissing() throws IOException {
        Invalid result = (Invalid) validate("{\"prompt\":null,\"context\":{}}");

        assertThat(result.errors()).containsExactly(new FieldError("/prompt", "is required"));
    }

    @Test
    void refusesMalformedJsonWithItsPosition() throws IOException {
        Invalid result = (Invalid) validate("{\"prompt\": \"hi\",");

        assertThat(result.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(result.detail()).startsWith("the request body is not well-formed JSON (line 1");
        assertThat(result.errors()).containsExactly(new FieldError("", "is not well-formed JSON"));
    }

    @Test
    void refusesTrailingValuesDuplicatesNonObjectsAndEmptyBodies() throws IOException {
        assertThat(((Invalid) validate("{\"prompt\":\"a\",\"context\":{}} {}")).detail())
                .isEqualTo("the request body holds more than one JSON value");
        assertThat(((Invalid) validate("{\"prompt\":\"a\",\"prompt\":\"b\",\"context\":{}}"))
                .detail())
                .startsWith("the request body is not well-formed JSON");
        assertThat(((Invalid) validate("[1]")).detail())
                .isEqualTo("the request body must be a JSON object");
        assertThat(((Invalid) validate("")).detail())
                .isEqualTo("the request body is empty; a JSON object is required");
    }

    @Test
    void refusesBodiesNestedDeeperThanTheBoundWithoutBlowingTheStack() throws IOException {
        String deep = "{\"prompt\":\"a\",\"context\":" + "[".repeat(100_000) + "]".repeat(100_000)
                + "}";

        Invalid result = (Invalid) validate(deep);

        assertThat(result.detail()).isEqualTo("the JSON body is nested too deeply");
        assertThat(validate("{\"prompt\":\"a\",\"context\":{\"b\":[[1]]}}"))
                .isEqualTo(ValidationResult.valid());
    }

    @Test
    void aNumberBeyondTheParsersLimitIsAValidationError() throws IOException {
        ValidationResult result = validate("{\"prompt\":\"p\",\"context\":{},\"n\":"
                + "9".repeat(5_000) + "}");

        assertThat(result).isEqualTo(new Invalid(ErrorCode.VALIDATION_ERROR,
                "the JSON body holds a number longer than 1000 characters",
                List.of(new FieldError("", "holds a number that is too long"))));
    }

    @Test
    void aMemberNameBeyondTheParsersLimitIsAValidationError() throws IOException {
        ValidationResult result = validate("{\"" + "k".repeat(60_000) + "\":1}");

        assertThat(result).isEqualTo(new Invalid(ErrorCode.VALIDATION_ERROR,
                "the JSON body holds a member name longer than 50000 characters",
                List.of(new FieldError("", "holds a member name that is too long"))));
    }
}
