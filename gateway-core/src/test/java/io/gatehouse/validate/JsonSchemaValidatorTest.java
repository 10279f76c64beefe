package io.gatehouse.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.validate.ValidationResult.FieldError;
import io.gatehouse.validate.ValidationResult.Invalid;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSchemaValidatorTest {

    private final JsonSchemaValidator validator =
            JsonSchemaValidator.load("classpath:schemas/chat.json", 8);

    private ValidationResult validate(byte[] body) throws IOException {
        return validator.validate(new GatewayRequest(
                TestExchange.request("POST", "/v1/chat").body(body, true), "r", "/v1/chat",
                "127.0.0.1"));
    }

    private ValidationResult validate(String body) throws IOException {
        return validate(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMatchingBodyPasses() throws IOException {
        assertThat(validate("{\"prompt\":\"hi\",\"temperature\":0.5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isEqualTo(ValidationResult.valid());
    }

    @Test
    void everyViolationIsAFieldErrorWithAJsonPointer() throws IOException {
        Invalid invalid = (Invalid) validate("{\"prompt\":\"\",\"temperature\":3,"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}");

        assertThat(invalid.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(invalid.detail())
                .isEqualTo("the request body does not match the route's schema (3 violations)");
        assertThat(invalid.errors()).extracting(FieldError::field)
                .containsExactlyInAnyOrder("/prompt", "/temperature", "/messages/0/role");
        assertThat(invalid.errors()).allSatisfy(error -> assertThat(error.message()).isNotBlank());
    }

    @Test
    void missingAndUnknownPropertiesAreReported() throws IOException {
        Invalid invalid = (Invalid) validate("{\"promt\":\"typo\"}");

        assertThat(invalid.errors()).hasSize(2);
        assertThat(invalid.errors()).extracting(FieldError::message)
                .anySatisfy(message -> assertThat(message).contains("prompt"))
                .anySatisfy(message -> assertThat(message).contains("promt"));
    }

    @Test
    void nonUtf8BodiesAreRefused() throws IOException {
        String json = "{\"prompt\":\"hi\"}";
        for (Charset charset : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE,
                Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE"),
                StandardCharsets.UTF_16)) {
            Invalid invalid = (Invalid) validate(json.getBytes(charset));
            assertThat(invalid.detail()).as(charset.name()).contains("UTF-16 or UTF-32");
            assertThat(invalid.errors()).containsExactly(new FieldError("", "must be UTF-8"));
        }
        byte[][] malformed = {
            {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, '"', '}'},
            {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC0, (byte) 0xAF,
                '"', '}'},
            {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xED, (byte) 0xA0,
                (byte) 0x80, '"', '}'},
            {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', '"', '}', (byte) 0xF0},
        };
        for (byte[] body : malformed) {
            assertThat(((Invalid) validate(body)).detail()).contains("is not valid UTF-8");
        }
        assertThat(validate("{\"prompt\":\"h\u00e9llo \u4e16\u754c \uD83D\uDE00\"}"))
                .isEqualTo(ValidationResult.valid());
    }

    @Test
    void depthIsBoundedAndBrokenJsonIsOneWholeBodyError() throws IOException {
        assertThat(((Invalid) validate("{\"prompt\":" + "[".repeat(20) + "]".repeat(20) + "}"))
                .errors()).containsExactly(new FieldError("", "is nested too deeply"));
        assertThat(((Invalid) validate("{\"prompt\":")).errors())
                .containsExactly(new FieldError("", "is not well-formed JSON"));
        assertThat(((Invalid) validate("")).errors())
                .containsExactly(new FieldError("", "is required"));
    }

    @Test
    void schemasLoadFromFilesAndYamlAndTheGatewayListsErrors(@TempDir Path directory)
            throws IOException {
        Path file = directory.resolve("limits.json");
        Files.writeString(file, "{\"type\":\"object\",\"properties\":"
                + "{\"n\":{\"type\":\"integer\",\"maximum\":3}}}");
        Gateway gateway = GatewayConfig.parse("""
                routes:
                  - id: chat
                    path: /v1/chat
                    public: true
                    validate:
                      schema: classpath:schemas/chat.json
                  - id: count
                    path: /v1/count
                    public: true
                    validate:
                      schema: {location: "%s", max_depth: 4}
                """.formatted(file.toString().replace("\\", "/")), Map.<String, String>of()::get)
                .gatewayBuilder().build();

        Admission chat = gateway.admit(TestExchange.request("POST", "/v1/chat")
                .body("{\"prompt\":\"hi\",\"temperature\":\"hot\"}"));
        Admission count = gateway.admit(TestExchange.request("POST", "/v1/count")
                .body("{\"n\":4}"));

        assertThat(((Admission.Rejected) chat).problem().extensions().get("errors"))
                .asString().contains("field=/temperature");
        assertThat(((Admission.Rejected) count).problem().status()).isEqualTo(400);
        assertThat(gateway.admit(TestExchange.request("POST", "/v1/count").body("{\"n\":3}")))
                .isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void unreadableOrInvalidSchemasFailTheConfigurationNamingThem() {
        assertThatThrownBy(() -> JsonSchemaValidator.load("classpath:schemas/none.json", 8))
                .hasMessageContaining("'classpath:schemas/none.json' is not on the classpath");
        assertThatThrownBy(() -> JsonSchemaValidator.of("{\"type\": ", 8))
                .hasMessageContaining("inline schema is not a valid JSON Schema");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes:
                  - id: chat
                    path: /v1/chat
                    validate:
                      schema: /no/such/schema.json
                """, Map.<String, String>of()::get))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining("routes[0].validate.schema: schema file "
                        + "'/no/such/schema.json' cannot be read");
    }
}
