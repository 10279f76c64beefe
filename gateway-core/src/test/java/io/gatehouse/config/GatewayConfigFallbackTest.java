package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code fallback_instances}: the share of a {@code local_fallback} limit each gateway grants
 * while its limit store fails, read from the file (or the environment) and checked.
 */
class GatewayConfigFallbackTest {

    private static final String YAML = """
            %s
            tiers:
              t:
                - {name: per-hour, algorithm: sliding_log, limit: 10, period: 1h,
                   failure_policy: local_fallback}
            routes:
              - {id: api, path: /api}
            """;

    /** A limit store that is unreachable: every call fails. */
    private static final LimitStore DOWN = new LimitStore() {
        @Override
        public Verdict tryAcquire(List<Permit> permits, String leaseId) {
            throw new LimitStoreException("store is down", null);
        }

        @Override
        public void settle(Permit permit, long actualCost) {
            throw new LimitStoreException("store is down", null);
        }

        @Override
        public void release(Permit permit, String leaseId) {
            throw new LimitStoreException("store is down", null);
        }
    };

    private static GatewayConfig parse(String line, Function<String, String> env) {
        return GatewayConfig.parse(YAML.formatted(line), env);
    }

    /** Requests admitted out of {@code calls} for one principal while the store is down. */
    private static int admittedWhileDown(GatewayConfig config, int calls) {
        Gateway gateway = Gateway.builder(config.router())
                .authenticator(request -> new AuthResult.Authenticated(new Principal("bob", "t",
                        Set.of(), Set.of(), "key")))
                .rateLimiter(config.rateLimiter(DOWN))
                .build();
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            if (gateway.admit(TestExchange.request("GET", "/api"))
                    instanceof Admission.Admitted granted) {
                granted.grant().complete(Outcome.status(200));
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void eachGatewayGrantsItsShareOfTheLimitWhileTheStoreIsDown() {
        GatewayConfig four = parse("fallback_instances: 4", name -> null);
        assertThat(four.fallbackInstances()).isEqualTo(4);
        assertThat(admittedWhileDown(four, 30)).isEqualTo(3); // ceil(10 / 4)

        GatewayConfig unset = parse("", name -> null);
        assertThat(unset.fallbackInstances()).isEqualTo(1);
        assertThat(admittedWhileDown(unset, 30)).isEqualTo(10);
    }

    @Test
    void theNumberOfReplicasMayComeFromTheEnvironment() {
        String line = "fallback_instances: ${GATEHOUSE_REPLICAS:-1}";
        assertThat(parse(line, Map.of("GATEHOUSE_REPLICAS", "3")::get).fallbackInstances())
                .isEqualTo(3);
        assertThat(parse(line, name -> null).fallbackInstances()).isEqualTo(1);
        assertThat(admittedWhileDown(parse(line, Map.of("GATEHOUSE_REPLICAS", "3")::get), 30))
                .isEqualTo(4); // ceil(10 / 3)
    }

    @Test
    void invalidValuesAreRefusedNamingTheField() {
        assertRejected("fallback_instances: 0",
                "fallback_instances: must be between 1 and 10000, was 0");
        assertRejected("fallback_instances: -2",
                "fallback_instances: must be between 1 and 10000, was -2");
        assertRejected("fallback_instances: 10001",
                "fallback_instances: must be between 1 and 10000, was 10001");
        assertRejected("fallback_instances: two",
                "fallback_instances: must be a whole number, was 'two'");
        assertRejected("fallback_instances: 1.5",
                "fallback_instances: must be a whole number, was '1.5'");
        assertRejected("fallback_instances: [2]", "fallback_instances");
    }

    private static void assertRejected(String line, String message) {
        assertThatThrownBy(() -> parse(line, name -> null))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining(message);
    }
}
