package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/** A cluster master dies and comes back under a real gateway. */
class RedisClusterFaultTest {

    private static final Duration BUDGET = Duration.ofMillis(2_000);

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = RedisClusterExtension.started();

    private static RedisClusterNodes cluster;

    @BeforeAll
    static void useCluster() {
        cluster = CLUSTER.cluster();
    }

    /** A user whose limits live on {@code node}. */
    private static String userOn(RedisServer node) {
        for (int i = 0; ; i++) {
            String user = "user-" + i;
            int slot = JedisClusterCRC16.getSlot("{" + user + "}");
            try (Jedis admin = node.admin()) {
                if (ownsSlot(admin.clusterNodes(), slot)) {
                    return user;
                }
            }
        }
    }

    private static boolean ownsSlot(String clusterNodes, int slot) {
        for (String line : clusterNodes.split("\n")) {
            if (!line.contains("myself")) {
                continue;
            }
            String[] fields = line.trim().split(" ");
            for (int i = 8; i < fields.length; i++) {
                String[] range = fields[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Admission timed(GatewayFixture gateway, String user) {
        long start = System.nanoTime();
        Admission admission = gateway.call(user);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BUDGET);
        return admission;
    }

    @Test
    void aDeadMasterCostsBoundedTimeThePolicyDecidesAndLimitingResumesWhenItReturns() {
        RedisServer victim = cluster.nodes().get(1);
        String user = userOn(victim);
        LimitRule rule = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                .limit(2, Duration.ofHours(1)).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .countRequests().build();
        try (GatewayFixture gateway = new GatewayFixture(
                RedisConnections.cluster(cluster.hostPorts())
                        .connectTimeout(Duration.ofMillis(250))
                        .commandTimeout(Duration.ofMillis(250)),
                RedisCircuitBreaker.builder().failureThreshold(1)
                        .probeInterval(Duration.ofMillis(100)).build(), rule)) {
            assertThat(GatewayFixture.admitted(gateway.call(user))).isTrue();

            victim.stop();
            for (int i = 0; i < 5; i++) {
                assertThat(GatewayFixture.code(timed(gateway, user)))
                        .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            }
            assertThat(gateway.store.health().status()).isEqualTo("DEGRADED");

            victim.restart();
            String fresh = user + "-after";
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> GatewayFixture.admitted(gateway.call(user + "-probe"))
                            && gateway.store.health().healthy());
            assertThat(GatewayFixture.admitted(timed(gateway, fresh))).isTrue();
            assertThat(GatewayFixture.admitted(timed(gateway, fresh))).isTrue();
            assertThat(GatewayFixture.code(timed(gateway, fresh)))
                    .isEqualTo(ErrorCode.RATE_LIMIT_EXCEEDED);
        }
    }
}
