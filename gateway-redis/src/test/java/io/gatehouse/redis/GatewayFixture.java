package io.gatehouse.redis;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;

/**
 * One gateway instance as a deployment runs it: its own Jedis pool, {@link RedisLimitStore},
 * {@link TieredRateLimiter} and {@link Gateway}. Callers send {@code X-User: name}; every user is
 * in tier {@code t}.
 */
final class GatewayFixture implements AutoCloseable {

    static final Authenticator BY_HEADER = request -> {
        String user = request.header("X-User");
        return user == null ? AuthResult.noCredentials()
                : new AuthResult.Authenticated(new Principal(user, "t", Set.of(), Set.of(),
                        "key-" + user));
    };

    final UnifiedJedis jedis;
    final RedisLimitStore store;
    final Gateway gateway;

    GatewayFixture(RedisConnections.Builder connection, RedisCircuitBreaker breaker,
            LimitRule... rules) {
        this(connection, breaker, 1, rules);
    }

    /** An instance that is one of {@code fallbackInstances} sharing its limits. */
    GatewayFixture(RedisConnections.Builder connection, RedisCircuitBreaker breaker,
            int fallbackInstances, LimitRule... rules) {
        this.jedis = connection.build();
        this.store = RedisLimitStore.builder(jedis).circuitBreaker(breaker).build();
        TieredRateLimiter limiter = TieredRateLimiter.builder(store)
                .tier(Tier.of("t", rules))
                .failClosedRetryAfter(Duration.ofSeconds(2))
                .fallbackInstances(fallbackInstances)
                .build();
        this.gateway = Gateway.builder(Router.of(List.of(Route.builder("api", "/api").build())))
                .authenticator(BY_HEADER)
                .rateLimiter(limiter)
                .build();
    }

    Admission call(String user) {
        return gateway.admit(TestExchange.request("GET", "/api").header("X-User", user));
    }

    static boolean admitted(Admission admission) {
        return admission instanceof Admission.Admitted;
    }

    static ErrorCode code(Admission admission) {
        return admission instanceof Admission.Rejected rejected ? rejected.problem().code() : null;
    }

    @Override
    public void close() {
        store.close();
        jedis.close();
    }
}
