package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.CountingApiKeyStore;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/**
 * The guessing guard in front of the Redis key store: many threads guessing from one address
 * make exactly the allowed number of lookups in a real {@code redis-server}.
 */
class RedisAuthFailureGuardTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    @Test
    void concurrentGuessesFromOneAddressLookUpExactlyTheAllowanceInRedis() throws Exception {
        try (UnifiedJedis jedis = RedisConnections.parse(REDIS.server().url())
                .commandTimeout(Duration.ofSeconds(2)).build();
                RedisApiKeyStore redisStore = RedisApiKeyStore.builder(jedis).build()) {
            CountingApiKeyStore store = new CountingApiKeyStore(redisStore);
            ApiKeyManager keys = ApiKeyManager.builder(store).events(SecurityEvents.none())
                    .build();
            keys.importKey("valid_key_alice", ApiKeySpec.of("alice", "free"));
            Gateway gateway = Gateway.builder(Router.of(List.of(Route.builder("api", "/api")
                            .build())))
                    .authenticator(AuthFailureGuard.builder(keys.authenticator())
                            .maxFailures(10, Duration.ofMinutes(1))
                            .events(SecurityEvents.none()).build())
                    .build();
            int lookupsBefore = store.hashLookups.get();

            List<ErrorCode> codes = Concurrently.run(640, 64, i -> () -> {
                Admission admission = gateway.admit(TestExchange.request("GET", "/api")
                        .header("X-API-Key", "guess_key_" + i).from("203.0.113.20"));
                return ((Admission.Rejected) admission).problem().code();
            }, Duration.ofSeconds(60));

            Map<ErrorCode, Long> counted = codes.stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(store.hashLookups.get() - lookupsBefore).isEqualTo(10);
            assertThat(counted).containsExactlyInAnyOrderEntriesOf(Map.of(
                    ErrorCode.INVALID_API_KEY, 10L, ErrorCode.TOO_MANY_AUTH_FAILURES, 630L));
            Admission other = gateway.admit(TestExchange.request("GET", "/api")
                    .header("X-API-Key", "valid_key_alice").from("203.0.113.21"));
            assertThat(other).isInstanceOf(Admission.Admitted.class);
        }
    }
}
