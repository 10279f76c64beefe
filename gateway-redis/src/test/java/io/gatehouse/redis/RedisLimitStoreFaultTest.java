package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis stopped, paused, frozen and restarted under a real gateway: each failure policy decides
 * as specified, no request waits much past one command timeout (250 ms here; asserted with a
 * generous 2 s bound so a busy machine cannot fail the test, while Redis stays paused for 3 s),
 * and limiting resumes when Redis returns.
 */
class RedisLimitStoreFaultTest {

    /**
     * Far above the 250 ms command timeout (a shared two-core machine under a load of 20 stalls
     * a thread for over a second at times), and below the 3 s pauses: proves the bound, not the
     * machine's speed.
     */
    private static final Duration BUDGET = Duration.ofMillis(2_000);
    private static final Duration PAUSE = Duration.ofMillis(3_000);

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;
    private final List<GatewayFixture> fixtures = new ArrayList<>();
    private int users;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
        // The first failure in a JVM loads the classes of every failure path, which on a
        // loaded machine can take longer than the budget: do it once before measuring.
        LimitRule rule = LimitRule.builder("warm-up", LimitAlgorithm.FIXED_WINDOW)
                .limit(3, Duration.ofHours(1)).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        try (GatewayFixture nowhere = new GatewayFixture(RedisConnections.parse(
                "redis://127.0.0.1:" + RedisServer.freePort()).minIdleConnections(0),
                RedisCircuitBreaker.withDefaults(), rule)) {
            assertThat(GatewayFixture.code(nowhere.call("warm-up")))
                    .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        }
    }

    @AfterEach
    void closeGateways() {
        fixtures.forEach(GatewayFixture::close);
    }

    private GatewayFixture gateway(FailurePolicy policy, RedisCircuitBreaker breaker) {
        LimitRule rule = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                .limit(3, Duration.ofHours(1)).failurePolicy(policy).countRequests().build();
        // 250 ms rather than the 50 ms default: a spurious timeout on a busy CI machine would
        // open the breaker and fail assertions about a healthy Redis.
        GatewayFixture fixture = new GatewayFixture(RedisConnections.parse(redis.url())
                .connectTimeout(Duration.ofMillis(250)).commandTimeout(Duration.ofMillis(250)),
                breaker, rule);
        fixtures.add(fixture);
        return fixture;
    }

    private static RedisCircuitBreaker quickBreaker() {
        return RedisCircuitBreaker.builder().failureThreshold(1)
                .probeInterval(Duration.ofMillis(100)).build();
    }

    private String freshUser() {
        return "user-" + (++users);
    }

    /** Calls and asserts the call returned within the budget. */
    private static Admission timed(Supplier<Admission> call) {
        long start = System.nanoTime();
        Admission admission = call.get();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BUDGET);
        return admission;
    }

    private static void assertLimitsThree(GatewayFixture gateway, String user) {
        for (int i = 0; i < 3; i++) {
            assertThat(GatewayFixture.admitted(timed(() -> gateway.call(user)))).isTrue();
        }
        Admission refused = timed(() -> gateway.call(user));
        assertThat(GatewayFixture.code(refused)).isEqualTo(ErrorCode.RATE_LIMIT_EXCEEDED);
    }

    /** Calls (with throwaway users) until the breaker has probed Redis successfully. */
    private void awaitRecovery(GatewayFixture gateway) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            gateway.call(freshUser());
            return gateway.store.health().healthy();
        });
    }

    @Test
    void failOpenAdmitsWhileRedisIsDownAndLimitsAgainAfterARestart() {
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_OPEN, quickBreaker());
        String user = freshUser();
        assertLimitsThree(gateway, user);

        redis.stop();
        for (int i = 0; i < 20; i++) {
            assertThat(GatewayFixture.admitted(timed(() -> gateway.call(user)))).isTrue();
        }
        assertThat(gateway.store.health().status()).isEqualTo("DEGRADED");

        redis.restart();
        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
        assertThat(gateway.store.health().timesOpened()).isEqualTo(1);
    }

    @Test
    void failClosedRefusesWith503AndRetryAfterWhileRedisIsDown() {
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_CLOSED, quickBreaker());
        String user = freshUser();
        assertThat(GatewayFixture.admitted(gateway.call(user))).isTrue();

        redis.stop();
        for (int i = 0; i < 10; i++) {
            Admission refused = timed(() -> gateway.call(user));
            assertThat(GatewayFixture.code(refused)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(((Admission.Rejected) refused).problem().status()).isEqualTo(503);
            assertThat(refused.headers().get("Retry-After")).isEqualTo("2");
        }

        redis.restart();
        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
    }

    @Test
    void localFallbackLimitsInThisJvmWhileRedisIsDown() {
        GatewayFixture gateway = gateway(FailurePolicy.LOCAL_FALLBACK, quickBreaker());
        redis.stop();

        // The local in-memory store enforces the same limit, per instance.
        assertLimitsThree(gateway, freshUser());

        redis.restart();
        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
    }

    @Test
    void pausedRedisCostsOneTimeoutAndThePolicyDecides() {
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_CLOSED, quickBreaker());
        String user = freshUser();
        assertThat(GatewayFixture.admitted(gateway.call(user))).isTrue();

        redis.pauseClients(PAUSE);
        for (int i = 0; i < 5; i++) {
            assertThat(GatewayFixture.code(timed(() -> gateway.call(user))))
                    .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        }

        // A command that timed out may still run once Redis resumes; a fresh key shows that
        // limiting is exact again.
        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
    }

    @Test
    void redisBlockedByDebugSleepCostsOneTimeoutAndRecovers() {
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_OPEN, quickBreaker());
        String user = freshUser();
        assertThat(GatewayFixture.admitted(gateway.call(user))).isTrue();

        redis.debugSleep(PAUSE);
        for (int i = 0; i < 5; i++) {
            assertThat(GatewayFixture.admitted(timed(() -> gateway.call(user)))).isTrue();
        }

        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
    }

    @Test
    void anOutageCostsOneTimeoutPerProbeIntervalNotOnePerRequest() {
        // A frozen Redis accepts connections but never answers: every call would wait out the
        // timeout. A 10 s probe interval keeps this test inside one interval.
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(1)
                .probeInterval(Duration.ofSeconds(10)).build();
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_OPEN, breaker);
        gateway.call(freshUser());
        redis.freeze();
        try {
            for (int i = 0; i < 50; i++) {
                assertThat(GatewayFixture.admitted(timed(() -> gateway.call(freshUser()))))
                        .isTrue();
            }
        } finally {
            redis.thaw();
        }
        RedisCircuitBreaker.Snapshot health = breaker.snapshot();
        assertThat(health.failures()).isEqualTo(1);
        assertThat(health.shortCircuited()).isEqualTo(49);
        assertThat(health.state()).isEqualTo(RedisCircuitBreaker.State.OPEN);
    }

    @Test
    void redisStoppedAndRestartedMidLoadHangsNoRequestAndLeaksNoThread() throws Exception {
        Set<String> threadsBefore = liveThreadNames();
        GatewayFixture gateway = gateway(FailurePolicy.FAIL_OPEN, quickBreaker());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong slowestNanos = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch started = new CountDownLatch(8);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    started.countDown();
                    while (running.get()) {
                        long start = System.nanoTime();
                        gateway.call("load-" + calls.incrementAndGet() % 16);
                        slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    }
                    return null;
                }));
            }
            started.await();
            Thread.sleep(200);
            redis.stop();
            Thread.sleep(300);
            redis.restart();
            Thread.sleep(300);
            running.set(false);
            for (Future<?> future : done) {
                future.get(10, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(calls.get()).isGreaterThan(8);
        assertThat(Duration.ofNanos(slowestNanos.get())).isLessThan(BUDGET);
        awaitRecovery(gateway);
        assertLimitsThree(gateway, freshUser());
        fixtures.remove(gateway);
        gateway.close();
        Set<String> leaked = liveThreadNames();
        leaked.removeAll(threadsBefore);
        // commons-pool's evictor is one shared daemon thread, started by the first pool.
        leaked.removeIf(name -> name.startsWith("commons-pool-evictor"));
        // The JDK's reaper of the test's own redis-server processes.
        leaked.removeIf(name -> name.startsWith("process reaper"));
        // The test's own Awaitility poller (awaitRecovery) may still be winding down.
        leaked.removeIf(name -> name.startsWith("awaitility"));
        assertThat(leaked).isEmpty();
    }

    private static Set<String> liveThreadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .collect(Collectors.toCollection(java.util.HashSet::new));
    }
}
