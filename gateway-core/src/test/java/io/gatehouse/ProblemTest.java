package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ProblemTest {

    @Test
    void serializesAsRfc9457WithCodeRequestIdAndExtensions() throws Exception {
        Problem problem = Problem.of(ErrorCode.RATE_LIMIT_EXCEEDED, "per-hour limit of 10 reached",
                "req-1")
                .with("retry_after", 360)
                .with("limit", 10)
                .with("limit_type", "per-hour");

        JsonNode json = new ObjectMapper().readTree(problem.toJson());

        assertThat(json.toString())
                .isEqualTo("{\"type\":\"urn:gatehouse:problem:rate-limit-exceeded\","
                        + "\"title\":\"Rate limit exceeded\",\"status\":429,"
                        + "\"detail\":\"per-hour limit of 10 reached\","
                        + "\"code\":\"RATE_LIMIT_EXCEEDED\","
                        + "\"request_id\":\"req-1\",\"limit\":10,\"limit_type\":\"per-hour\","
                        + "\"retry_after\":360}");
    }

    @Test
    void detailIsEscapedNotInterpreted() throws Exception {
        Problem problem = Problem.of(ErrorCode.VALIDATION_ERROR, "bad \"quote\" </script>\n", "r");

        JsonNode json = new ObjectMapper().readTree(problem.toJson());

        assertThat(json.get("detail").asText()).isEqualTo("bad \"quote\" </script>\n");
    }

    @Test
    void everyCodeHasAStableTypeAndItsStatus() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(code.typeUri()).startsWith("urn:gatehouse:problem:").doesNotContain("_");
            assertThat(Problem.of(code, "d", "r").status()).isEqualTo(code.status());
        }
    }
}
