package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.Rfc9421VectorsTest.TestMessage;
import io.gatehouse.auth.StructuredFields.Item;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Component values as in the examples of RFC 9421 section 2. */
class MessageSignaturesTest {

    private static String value(TestMessage message, String component) {
        return MessageSignatures.componentValue(message,
                StructuredFields.parseItem(component));
    }

    private static TestMessage request(String authority, String path, String query,
            Map<String, List<String>> fields) {
        return new TestMessage("POST", authority, "https", path, query, -1, fields);
    }

    @Test
    void derivedComponentsOfARequest() {
        TestMessage message = request("www.example.com", "/path", "param=value", Map.of());

        assertThat(value(message, "\"@method\"")).isEqualTo("POST");
        assertThat(value(message, "\"@target-uri\""))
                .isEqualTo("https://www.example.com/path?param=value");
        assertThat(value(message, "\"@authority\"")).isEqualTo("www.example.com");
        assertThat(value(message, "\"@scheme\"")).isEqualTo("https");
        assertThat(value(message, "\"@request-target\"")).isEqualTo("/path?param=value");
        assertThat(value(message, "\"@path\"")).isEqualTo("/path");
        assertThat(value(message, "\"@query\"")).isEqualTo("?param=value");
    }

    @Test
    void authorityIsLowerCasedWithoutTheDefaultPort() {
        assertThat(value(request("WWW.Example.COM:443", "/", "", Map.of()), "\"@authority\""))
                .isEqualTo("www.example.com");
        assertThat(value(request("www.example.com:8443", "/", "", Map.of()), "\"@target-uri\""))
                .isEqualTo("https://www.example.com:8443/");
    }

    @Test
    void missingQueryIsALoneQuestionMarkAndEmptyPathIsASlash() {
        TestMessage message = request("example.com", "", "", Map.of());

        assertThat(value(message, "\"@query\"")).isEqualTo("?");
        assertThat(value(message, "\"@path\"")).isEqualTo("/");
        assertThat(value(message, "\"@target-uri\"")).isEqualTo("https://example.com/");
    }

    @Test
    void queryParametersAreDecodedAndReEncoded() {
        TestMessage message = request("example.com", "/parameters",
                "var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace"
                        + "&fa%C3%A7ade%22%3A%20=something", Map.of());

        assertThat(value(message, "\"@query-param\";name=\"var\""))
                .isEqualTo("this%20is%20a%20big%0Avalue");
        assertThat(value(message, "\"@query-param\";name=\"bar\""))
                .isEqualTo("with%20plus%20whitespace");
        assertThat(value(message, "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\""))
                .isEqualTo("something");
    }

    @Test
    void repeatedOrAbsentQueryParametersCannotBeSigned() {
        TestMessage message = request("example.com", "/", "a=1&a=2", Map.of());

        assertThatThrownBy(() -> value(message, "\"@query-param\";name=\"a\""))
                .hasMessage("query parameter a occurs more than once");
        assertThatThrownBy(() -> value(message, "\"@query-param\";name=\"b\""))
                .hasMessage("query parameter b is absent");
    }

    @Test
    void fieldLinesAreTrimmedUnfoldedAndJoined() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("x-ows-header", List.of("   Leading and trailing whitespace.   "));
        fields.put("x-obs-fold-header", List.of("Obsolete\r\n    line folding."));
        fields.put("cache-control", List.of("max-age=60", "   must-revalidate"));
        fields.put("x-empty-header", List.of(""));
        TestMessage message = request("example.com", "/", "", fields);

        assertThat(value(message, "\"x-ows-header\""))
                .isEqualTo("Leading and trailing whitespace.");
        assertThat(value(message, "\"x-obs-fold-header\"")).isEqualTo("Obsolete line folding.");
        assertThat(value(message, "\"cache-control\"")).isEqualTo("max-age=60, must-revalidate");
        assertThat(value(message, "\"x-empty-header\"")).isEmpty();
        assertThat(new String(MessageSignatures.signatureBase(message,
                new StructuredFields.InnerList(List.of(new Item("x-empty-header", Map.of())),
                        Map.of()))))
                .isEqualTo("\"x-empty-header\": \n\"@signature-params\": (\"x-empty-header\")");
    }

    @Test
    void unknownUpperCaseParameterizedOrAbsentComponentsAreRefused() {
        TestMessage message = request("example.com", "/", "", Map.of());

        assertThatThrownBy(() -> value(message, "\"@unknown\""))
                .hasMessage("unknown derived component @unknown");
        assertThatThrownBy(() -> value(message, "\"Content-Type\""))
                .hasMessage("component names must be lower case: Content-Type");
        assertThatThrownBy(() -> value(message, "\"content-type\";sf"))
                .hasMessageContaining("unsupported parameters");
        assertThatThrownBy(() -> value(message, "\"content-type\""))
                .hasMessage("component \"content-type\" is absent");
        assertThatThrownBy(() -> value(message, "\"@status\""))
                .hasMessage("@status applies to responses only");
        assertThatThrownBy(() -> value(message, "sha-256"))
                .hasMessageContaining("must be strings");
    }
}
