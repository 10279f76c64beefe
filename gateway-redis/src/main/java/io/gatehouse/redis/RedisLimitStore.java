package io.gatehouse.redis;

import io.gatehouse.limit.Algorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.MicroClock;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A {@link LimitStore} in Redis (standalone, Sentinel or Cluster), shared by every gateway
 * instance that points at the same Redis. It reaches exactly the decisions of the in-memory store
 * (the math of {@code io.gatehouse.limit}'s package documentation, ported to one Lua script).
 *
 * <p><b>One round trip.</b> All permits of one request are checked and consumed by ONE
 * {@code EVALSHA} of one script, atomically and all-or-nothing, with no retry loop; a settle or a
 * release is one {@code EVALSHA} too. The script is loaded with {@code SCRIPT LOAD} when Redis
 * answers {@code NOSCRIPT} (after a restart or failover) and the call is repeated once.
 *
 * <p><b>Time.</b> The script reads the server's {@code TIME} (microseconds), so gateway clocks may
 * disagree; {@link Builder#clock(MicroClock)} overrides it for tests. Calendar-aligned fixed
 * windows take their two window ends from the gateway's clock (see the package documentation).
 *
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}, configurable): for a permit with
 * key {@code k} and rule {@code r},
 * <pre>
 *   {prefix}{{k}}:{rule}                  per-key hash tags (default)
 *   {prefix}{{tag}}:{k}:{rule}            with {@link Builder#singleSlot(String)}
 *   {rule} = {name}:{algorithm}:{limit}:{periodMicros}:{burst}   (calendar windows add
 *            cal-{unit}-{zone} before the algorithm)
 * </pre>
 * where {@code k}, names and zones are escaped ({@code %}, {@code {}, {@code }}, {@code :} as
 * {@code %25 %7B %7D %3A}) so that two different states never share a key. Token buckets, fixed
 * and sliding windows are strings of two or three integers ({@code "S T"}, {@code "E N"},
 * {@code "W N M"}); a sliding log is a sorted set plus {@code ...:aux} (its sum); a
 * concurrency limit is a sorted set of lease ids scored by expiry plus {@code ...:aux} (lease id
 * to cost), so leases expire on their own when a gateway dies holding them. Every key carries a
 * TTL of the time until its state equals a fresh one plus one second.
 *
 * <p><b>Cluster trade-off.</b> One {@code EVALSHA} can only touch one hash slot. With the default
 * per-key tags, every limit of one key (e.g. all tier limits of one principal) shares a slot, and
 * keys spread over the cluster; a request whose permits have <em>different</em> keys (a principal
 * limit plus a route limit) is then refused with a {@link LimitStoreException} on Cluster, so its
 * failure policy applies. {@link Builder#singleSlot(String)} puts every state in one slot: any mix
 * of keys works, but one shard does all limiting. Standalone and Sentinel accept any mix.
 *
 * <p><b>Failures.</b> Calls pass through a {@link RedisCircuitBreaker}: timeouts and refused
 * connections count as failures, and while it is open every call fails at once with a
 * {@link LimitStoreException} without touching Redis, so the caller's failure policy applies at
 * no cost. {@link #health()} reports it. A call that timed out may still be executed by Redis
 * once it resumes (the command had been sent): its units are then counted although the request
 * was decided by its failure policy, which errs on the side of limiting.
 *
 * <p>Thread-safe.
 */
public final class RedisLimitStore implements LimitStore {

    /** The default prefix of every key this store writes. */
    public static final String DEFAULT_KEY_PREFIX = "gatehouse:limit:";

    static final String SCRIPT = loadScript();
    static final String SCRIPT_SHA = sha1(SCRIPT);
    private static final int FIELDS_PER_PERMIT = 10;

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final String singleSlotTag;
    private final MicroClock clock;
    private final MicroClock calendarClock;
    private final RedisCircuitBreaker breaker;
    private final boolean cluster;
    private final LimitStoreException circuitOpen;
    private final ConcurrentHashMap<LimitRule, String[]> ruleArgs = new ConcurrentHashMap<>();

    private RedisLimitStore(Builder builder) {
        this.jedis = builder.jedis;
        this.keyPrefix = builder.keyPrefix;
        this.singleSlotTag = builder.singleSlotTag;
        this.clock = builder.clock;
        this.calendarClock = builder.clock != null ? builder.clock : MicroClock.system();
        this.breaker = builder.breaker != null
                ? builder.breaker : RedisCircuitBreaker.withDefaults();
        this.cluster = isCluster(jedis);
        // Preallocated: during an outage every refused call throws it, at no cost.
        this.circuitOpen = new LimitStoreException(
                "Redis circuit open: limit store unavailable", null);
    }

    @SuppressWarnings("deprecation") // JedisCluster: see RedisConnections.Builder#build
    private static boolean isCluster(UnifiedJedis jedis) {
        return jedis instanceof JedisCluster || jedis instanceof RedisClusterClient;
    }

    /** Starts a store over {@code jedis}, which the caller keeps owning (and closes). */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    @Override
    public Verdict tryAcquire(List<Permit> permits, String leaseId) {
        int count = permits.size();
        if (count == 0) {
            throw new IllegalArgumentException("a request needs at least one permit");
        }
        List<String> keys = new ArrayList<>(2 * count);
        List<String> args = new ArrayList<>(4 + FIELDS_PER_PERMIT * count);
        header(args, "a", leaseId, 0);
        String tag = null;
        for (int i = 0; i < count; i++) {
            Permit permit = permits.get(i);
            String key = stateKey(permit);
            if (keys.contains(key)) {
                throw new IllegalArgumentException("two permits name the same state: "
                        + permit.rule().name() + " " + permit.key());
            }
            if (cluster && singleSlotTag == null) {
                String permitTag = escape(permit.key());
                if (tag != null && !tag.equals(permitTag)) {
                    throw new LimitStoreException("permits of one request have different keys ('"
                            + tag + "', '" + permitTag + "') and so different Redis Cluster hash"
                            + " slots; key them alike or configure singleSlot(tag)", null);
                }
                tag = permitTag;
            }
            keys.add(key);
            keys.add(key + ":aux");
            permitArgs(args, permit);
        }
        List<?> reply = (List<?>) call(keys, args);
        long[] remaining = new long[count];
        long[] reset = new long[count];
        for (int i = 0; i < count; i++) {
            remaining[i] = (Long) reply.get(3 + 2 * i);
            reset[i] = (Long) reply.get(4 + 2 * i);
        }
        boolean allowed = (Long) reply.get(0) == 1L;
        return new Verdict(allowed, ((Long) reply.get(1)).intValue(), remaining, reset,
                (Long) reply.get(2));
    }

    @Override
    public void settle(Permit permit, long actualCost) {
        long delta = actualCost - permit.cost();
        if (delta == 0 || permit.rule().algorithm() == Algorithm.CONCURRENCY) {
            return;
        }
        single(permit, "s", "", delta);
    }

    @Override
    public void release(Permit permit, String leaseId) {
        if (permit.rule().algorithm() != Algorithm.CONCURRENCY) {
            return;
        }
        single(permit, "r", leaseId, 0);
    }

    private void single(Permit permit, String op, String leaseId, long delta) {
        String key = stateKey(permit);
        List<String> args = new ArrayList<>(4 + FIELDS_PER_PERMIT);
        header(args, op, leaseId, delta);
        permitArgs(args, permit);
        call(List.of(key, key + ":aux"), args);
    }

    private void header(List<String> args, String op, String leaseId, long delta) {
        args.add(op);
        args.add(clock == null ? "" : Long.toString(clock.micros()));
        args.add(leaseId == null ? "" : leaseId);
        args.add(Long.toString(delta));
    }

    private void permitArgs(List<String> args, Permit permit) {
        LimitRule rule = permit.rule();
        String[] fixed = ruleArgs(rule);
        for (int i = 1; i < fixed.length; i++) {
            args.add(fixed[i]);
        }
        args.add(Long.toString(permit.cost()));
        if (rule.calendarAligned()) {
            // A shared store cannot compute time zones: the gateway names this window's end and
            // the next one, and the script picks by the server's time.
            long end1 = rule.windowEndMicros(calendarClock.micros());
            args.add(Long.toString(end1));
            args.add(Long.toString(rule.windowEndMicros(end1)));
        } else {
            args.add("0");
            args.add("0");
        }
    }

    /** [ruleId, algorithm, L, P, B, unit, rate, cap], computed once per rule. */
    private String[] ruleArgs(LimitRule rule) {
        String[] cached = ruleArgs.get(rule);
        if (cached != null) {
            return cached;
        }
        if (ruleArgs.size() > 10_000) {
            // Rules come from configuration; this only guards against rules built per request.
            ruleArgs.clear();
        }
        long limit = rule.limit();
        long period = rule.periodMicros();
        long gcd = gcd(limit, period);
        long unit = period / gcd;
        long rate = limit / gcd;
        long cap = rule.algorithm() == Algorithm.TOKEN_BUCKET ? rule.burst() * unit : 0;
        String algorithm = switch (rule.algorithm()) {
            case TOKEN_BUCKET -> "tb";
            case FIXED_WINDOW -> "fw";
            case SLIDING_WINDOW -> "sw";
            case SLIDING_LOG -> "sl";
            case CONCURRENCY -> "cc";
        };
        String calendar = rule.calendarAligned()
                ? "cal-" + rule.calendarUnit().orElseThrow() + "-"
                        + escape(rule.zone().orElseThrow().getId()) + ":"
                : "";
        String ruleId = escape(rule.name()) + ":" + calendar + algorithm + ":" + limit + ":"
                + period + ":" + rule.burst();
        String[] computed = {ruleId, algorithm, Long.toString(limit), Long.toString(period),
            Long.toString(rule.burst()), Long.toString(unit), Long.toString(rate),
            Long.toString(cap)};
        ruleArgs.put(rule, computed);
        return computed;
    }

    /** The Redis key of a permit's state (see the class documentation). */
    String stateKey(Permit permit) {
        String ruleId = ruleArgs(permit.rule())[0];
        String key = escape(permit.key());
        if (singleSlotTag != null) {
            return keyPrefix + "{" + singleSlotTag + "}:" + key + ":" + ruleId;
        }
        return keyPrefix + "{" + key + "}:" + ruleId;
    }

    private Object call(List<String> keys, List<String> args) {
        if (!breaker.tryAcquirePermission()) {
            throw circuitOpen;
        }
        try {
            Object reply;
            try {
                reply = jedis.evalsha(SCRIPT_SHA, keys, args);
            } catch (JedisNoScriptException e) {
                // Redis restarted or failed over and lost its script cache: load it on the node
                // that owns these keys and run once more. This is not a retry loop.
                jedis.scriptLoad(SCRIPT, keys.get(0));
                reply = jedis.evalsha(SCRIPT_SHA, keys, args);
            }
            breaker.onSuccess();
            return reply;
        } catch (JedisBusyException e) {
            breaker.onFailure(e);
            throw new LimitStoreException("Redis is busy running another script", e);
        } catch (JedisDataException e) {
            // Redis answered, so it is up; the call itself was refused.
            breaker.onSuccess();
            throw new LimitStoreException("Redis refused the limit script: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            breaker.onFailure(e);
            throw new LimitStoreException("Redis unreachable or too slow: " + e.getMessage(), e);
        }
    }

    /** The circuit breaker's state and counters: {@code UP}, or {@code DEGRADED} while open. */
    public RedisCircuitBreaker.Snapshot health() {
        return breaker.snapshot();
    }

    /** The circuit breaker around this store's Redis calls. */
    public RedisCircuitBreaker circuitBreaker() {
        return breaker;
    }

    /** The prefix of every key this store writes. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Does not close the Jedis client, which the caller owns. */
    @Override
    public void close() {
        ruleArgs.clear();
    }

    static String escape(String raw) {
        int n = raw.length();
        boolean plain = true;
        for (int i = 0; i < n && plain; i++) {
            char c = raw.charAt(i);
            plain = c != '%' && c != '{' && c != '}' && c != ':';
        }
        if (plain) {
            return raw;
        }
        StringBuilder escaped = new StringBuilder(n + 8);
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            switch (c) {
                case '%' -> escaped.append("%25");
                case '{' -> escaped.append("%7B");
                case '}' -> escaped.append("%7D");
                case ':' -> escaped.append("%3A");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static String loadScript() {
        try (InputStream in = RedisLimitStore.class.getResourceAsStream("limits.lua")) {
            if (in == null) {
                throw new IllegalStateException("limits.lua missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha1(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects a store's settings. Not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private String singleSlotTag;
        private MicroClock clock;
        private RedisCircuitBreaker breaker;

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /** Prefix of every key; must not contain braces (they would become the hash tag). */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = KeyPrefixes.require(keyPrefix);
            return this;
        }

        /**
         * Puts every state into the hash slot of {@code tag}: on Cluster any mix of keys in one
         * request works, but one shard does all the work (see the class documentation).
         */
        public Builder singleSlot(String tag) {
            Objects.requireNonNull(tag, "tag");
            if (tag.isEmpty() || tag.indexOf('{') >= 0 || tag.indexOf('}') >= 0) {
                throw new IllegalArgumentException(
                        "singleSlot tag must be non-empty without braces, was '" + tag + "'");
            }
            this.singleSlotTag = tag;
            return this;
        }

        /**
         * Decides on {@code clock} instead of the Redis server's {@code TIME}: for tests (the
         * contract kit's fake clock), or when every gateway's clock is trusted to agree.
         */
        public Builder clock(MicroClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The breaker around Redis calls; one with defaults when not set. */
        public Builder circuitBreaker(RedisCircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        public RedisLimitStore build() {
            return new RedisLimitStore(this);
        }
    }
}
