package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a field holds, loading either succeeds or names the problem; nothing else escapes. */
class GatewayConfigPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Function<String, String> ENV = Map.of("SET", "1h")::get;

    /** A file whose every scalar is {@code FIELD_<name>}, to be replaced by a test value. */
    private static final String TEMPLATE = """
            routes:
              - id: r
                path: /r
                methods: [FIELD_method]
                cost: FIELD_cost
                max_body_bytes: FIELD_max_body
                allow_from: [FIELD_allow]
                limits: [{name: FIELD_route_limit_name, limit: 5, period: 1m}]
            presets: FIELD_presets
            tiers:
              free:
                - name: FIELD_name
                  algorithm: FIELD_algorithm
                  limit: FIELD_limit
                  period: FIELD_period
                  burst: FIELD_burst
                  scope: FIELD_scope
                  failure_policy: FIELD_policy
                  shadow: FIELD_shadow
                - {name: monthly, limit: 10, calendar: FIELD_calendar, zone: FIELD_zone}
            unknown_tier: free
            api_keys:
              pepper: FIELD_pepper
              keys:
                - id: FIELD_key_id
                  owner: FIELD_owner
                  tier: FIELD_tier
                  hash: FIELD_hash
                  expires: FIELD_expires
                  deny_from: [FIELD_deny]
            jwt:
              clock_skew: FIELD_skew
              issuers:
                - issuer: FIELD_issuer
                  audiences: [FIELD_audience]
                  algorithms: [FIELD_jwt_algorithm]
                  jwks_url: FIELD_jwks_url
            auth_failures: {max_failures: FIELD_max_failures, period: FIELD_guard_period}
            """;

    private static final Map<String, String> GOOD = Map.ofEntries(
            Map.entry("method", "GET"), Map.entry("cost", "1"), Map.entry("max_body", "100"),
            Map.entry("allow", "10.0.0.0/8"), Map.entry("route_limit_name", "per-minute"),
            Map.entry("presets", "false"), Map.entry("name", "per-hour"),
            Map.entry("algorithm", "token_bucket"), Map.entry("limit", "10"),
            Map.entry("period", "1h"), Map.entry("burst", "20"), Map.entry("scope", "principal"),
            Map.entry("policy", "fail_open"), Map.entry("shadow", "false"),
            Map.entry("calendar", "month"), Map.entry("zone", "UTC"),
            Map.entry("pepper", "${UNSET:-}"), Map.entry("key_id", "kid_1"),
            Map.entry("owner", "alice"), Map.entry("tier", "free"),
            Map.entry("hash", "ab".repeat(32)), Map.entry("expires", "2030-01-01T00:00:00Z"),
            Map.entry("deny", "192.0.2.0/24"), Map.entry("skew", "30s"),
            Map.entry("issuer", "https://issuer.example/"), Map.entry("audience", "gatehouse"),
            Map.entry("jwt_algorithm", "RS256"),
            Map.entry("jwks_url", "https://issuer.example/jwks"),
            Map.entry("max_failures", "10"), Map.entry("guard_period", "1m"));

    private static String file(String field, String value) {
        String yaml = TEMPLATE;
        for (Map.Entry<String, String> entry : GOOD.entrySet()) {
            String text = entry.getKey().equals(field) ? value : entry.getValue();
            yaml = yaml.replace("FIELD_" + entry.getKey() + ",",
                    quoted(text) + ",").replace("FIELD_" + entry.getKey() + "]",
                    quoted(text) + "]").replace("FIELD_" + entry.getKey() + "}",
                    quoted(text) + "}").replace("FIELD_" + entry.getKey() + "\n",
                    quoted(text) + "\n");
        }
        return yaml;
    }

    /** A YAML double-quoted scalar: JSON string syntax, which YAML reads alike. */
    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @net.jqwik.api.Example
    void theGoodFileLoads() {
        assertThat(GatewayConfig.parse(file("", ""), ENV).tiers()).hasSize(1);
    }

    @Property(tries = 3000)
    void anyValueInAnyFieldLoadsOrFailsWithAConfigurationErrorNamingAPath(
            @ForAll("fields") String field, @ForAll("values") String value) {
        try {
            GatewayConfig.parse(file(field, value), ENV);
        } catch (GatewayConfigException expected) {
            // Characters YAML cannot carry fail as a syntax error; everything else names a path.
            assertThat(expected.getMessage()).matches("(?s)([a-z_]+[\\[.:]|not valid YAML: ).*");
        }
    }

    @Provide
    Arbitrary<String> fields() {
        return Arbitraries.of(GOOD.keySet().toArray(new String[0]));
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.strings().withChars("0123456789_ msdhMSDH.-+e/:${}[]").ofMaxLength(12),
                Arbitraries.of("", " ", "0", "-1", "9223372036854775808", "1e400", "null", "~",
                        "true", "${SET}", "${UNSET}", "${", "$${x}", "custom", "none", "1y",
                        "2030-13-01T00:00:00Z", "::1/129", "Mars/Base", "http://x/jwks"));
    }
}
