package io.gatehouse.redis;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStatus;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.MicroClock;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}, configurable). Token buckets and
 * windows of one key {@code k} share one hash, one field per rule; sliding logs and concurrency
 * limits keep a sorted set and a companion per rule:
 * <pre>
 *   {prefix}{{k}}                         hash: field {rule} per rule, and '~'
 *   {prefix}{{k}}:{rule}, ...:aux         sliding log or concurrency limit
 *   {prefix}{{tag}}:{k}                   with {@link Builder#singleSlot(String)} (and :{rule})
 *   {rule} = {name}:{algorithm}:{limit}:{periodMicros}:{burst}   (calendar windows add
 *            cal-{unit}-{zone} before the algorithm)
 * </pre>
 * where {@code k}, names and zones are escaped ({@code %}, {@code {}, {@code }}, {@code :} as
 * {@code %25 %7B %7D %3A}) so that two different states never share a key or field. A field
 * holds little-endian IEEE-754 doubles (exact integers below 2^53): a token bucket
 * {@code S T}, a fixed window {@code E N}, a sliding window {@code W N M}; field {@code ~} holds
 * the hash's deadline. One {@code HMGET} reads and one {@code HSET} writes all states of a key:
 * three limits of one principal cost two commands inside the script besides {@code TIME}, not
 * six. A sliding log is a sorted set plus {@code ...:aux} (its sum); a concurrency limit is a
 * sorted set of lease ids scored by expiry plus {@code ...:aux} (lease id to cost), so leases
 * expire on their own when a gateway dies holding them.
 *
 * <p><b>Expiry.</b> Every key carries a TTL of at least the time until its state equals a fresh
 * one plus one second. A hash lives as long as its longest-lived field: its deadline only moves
 * forward, in steps of ten seconds, so a request that touches only a short limit never cuts short
 * a day's quota kept in the same hash, and {@code PEXPIRE} runs about once per step per hash (an
 * idle hash may so outlive its states by up to ten seconds).
 * The deadline is kept in the server's time: a failover to a replica whose clock runs more than
 * a second ahead may let a hash expire early, which forgets its counts (errs towards admitting).
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
    private static final byte[] SCRIPT_BYTES = SCRIPT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] SCRIPT_SHA_BYTES = SCRIPT_SHA.getBytes(StandardCharsets.US_ASCII);
    private static final int ACQUIRE = 1;
    private static final int SETTLE = 2;
    private static final int RELEASE = 3;
    private static final int INSPECT = 4;
    /** Per permit: algorithm, key index, last, L, P, B, unit, rate, cap, cost, end1, end2. */
    private static final int NUMBERS_PER_PERMIT = 12;

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final String singleSlotTag;
    private final MicroClock clock;
    private final MicroClock calendarClock;
    private final RedisCircuitBreaker breaker;
    private final boolean cluster;
    private final LimitStoreException circuitOpen;
    private final ConcurrentHashMap<LimitRule, RuleArgs> ruleArgs = new ConcurrentHashMap<>();

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
        Call call = new Call(permits, leaseId == null ? "" : leaseId);
        byte[] reply = (byte[]) call(call.keys, call.args(ACQUIRE, 0));
        ByteBuffer values = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        boolean allowed = values.getDouble() == 1.0;
        long[] remaining = new long[count];
        long[] reset = new long[count];
        long[] retry = new long[count];
        for (int sent = 0; sent < count; sent++) {
            int i = call.order[sent];
            remaining[i] = (long) values.getDouble();
            reset[i] = (long) values.getDouble();
            retry[i] = (long) values.getDouble();
        }
        // The deciding permit, in the caller's order: when admitted, the one closest to
        // exhaustion (ties: the later reset); when refused, the one that frees up last.
        int deciding = 0;
        long retryAfter = 0;
        for (int i = 1; i < count; i++) {
            if (allowed) {
                if (remaining[i] < remaining[deciding]
                        || (remaining[i] == remaining[deciding] && reset[i] > reset[deciding])) {
                    deciding = i;
                }
            } else if (retry[i] > retry[deciding]) {
                deciding = i;
            }
        }
        if (!allowed) {
            retryAfter = retry[deciding];
        }
        return new Verdict(allowed, deciding, remaining, reset, retryAfter);
    }

    @Override
    public void settle(Permit permit, long actualCost) {
        long delta = actualCost - permit.cost();
        if (delta == 0 || permit.rule().algorithm() == LimitAlgorithm.CONCURRENCY) {
            return;
        }
        Call call = new Call(List.of(permit), "");
        call(call.keys, call.args(SETTLE, delta));
    }

    @Override
    public void release(Permit permit, String leaseId) {
        if (permit.rule().algorithm() != LimitAlgorithm.CONCURRENCY) {
            return;
        }
        Call call = new Call(List.of(permit), leaseId == null ? "" : leaseId);
        call(call.keys, call.args(RELEASE, 0));
    }

    /**
     * Reads each permit's limit with the same script, writing nothing (expired leases are
     * dropped, as any call drops them). One {@code EVALSHA} for all permits; on Cluster without
     * {@link Builder#singleSlot(String)}, one per distinct key, since each key has its own slot.
     */
    @Override
    public List<LimitStatus> inspect(List<Permit> permits) {
        int count = permits.size();
        if (count == 0) {
            throw new IllegalArgumentException("inspect needs at least one permit");
        }
        LimitStatus[] statuses = new LimitStatus[count];
        if (!cluster || singleSlotTag != null) {
            read(permits, statuses, null);
            return List.of(statuses);
        }
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byKey.computeIfAbsent(permits.get(i).key(), key -> new ArrayList<>()).add(i);
        }
        for (List<Integer> indexes : byKey.values()) {
            List<Permit> sameKey = new ArrayList<>(indexes.size());
            for (int index : indexes) {
                sameKey.add(permits.get(index));
            }
            read(sameKey, statuses, indexes);
        }
        return List.of(statuses);
    }

    /** One inspecting call for {@code permits}; results land at {@code indexes} (or in order). */
    private void read(List<Permit> permits, LimitStatus[] statuses, List<Integer> indexes) {
        Call call = new Call(permits, "");
        byte[] reply = (byte[]) call(call.keys, call.args(INSPECT, 0));
        ByteBuffer values = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        values.getDouble();
        for (int sent = 0; sent < permits.size(); sent++) {
            int i = call.order[sent];
            long remaining = (long) values.getDouble();
            long reset = (long) values.getDouble();
            values.getDouble();
            statuses[indexes == null ? i : indexes.get(i)] = new LimitStatus(remaining, reset);
        }
    }

    /**
     * The KEYS and ARGV of one script call (layout in {@code limits.lua}): permits whose states
     * share a hash are sent next to each other, in the order of their first appearance, so the
     * script reads and writes each hash once; {@link #order} maps back to the caller's order.
     */
    private final class Call {
        final int[] order;
        final List<byte[]> keys = new ArrayList<>(2);
        private final List<Permit> permits;
        private final String leaseId;
        private final byte[][] fields;
        private final double[] numbers;

        Call(List<Permit> permits, String leaseId) {
            int count = permits.size();
            this.permits = permits;
            this.leaseId = leaseId;
            this.order = new int[count];
            this.fields = new byte[count][];
            this.numbers = new double[NUMBERS_PER_PERMIT * count];
            String[] stateKeys = new String[count];
            String tag = null;
            for (int i = 0; i < count; i++) {
                Permit permit = permits.get(i);
                RuleArgs rule = ruleArgs(permit.rule());
                stateKeys[i] = rule.hashed ? hashKey(permit) : hashKey(permit) + ":" + rule.id;
                for (int j = 0; j < i; j++) {
                    if (stateKeys[j].equals(stateKeys[i])
                            && ruleArgs(permits.get(j).rule()).id.equals(rule.id)) {
                        throw new IllegalArgumentException("two permits name the same state: "
                                + permit.rule().name() + " " + permit.key());
                    }
                }
                if (cluster && singleSlotTag == null) {
                    String permitTag = escape(permit.key());
                    if (tag != null && !tag.equals(permitTag)) {
                        throw new LimitStoreException("permits of one request have different"
                                + " keys ('" + tag + "', '" + permitTag + "') and so different"
                                + " Redis Cluster hash slots; key them alike or configure"
                                + " singleSlot(tag)", null);
                    }
                    tag = permitTag;
                }
            }
            boolean[] placed = new boolean[count];
            int sent = 0;
            for (int i = 0; i < count; i++) {
                if (placed[i]) {
                    continue;
                }
                RuleArgs rule = ruleArgs(permits.get(i).rule());
                keys.add(stateKeys[i].getBytes(StandardCharsets.UTF_8));
                int keyIndex = keys.size();
                if (!rule.hashed) {
                    keys.add((stateKeys[i] + ":aux").getBytes(StandardCharsets.UTF_8));
                    put(sent++, i, keyIndex);
                    continue;
                }
                int first = sent;
                for (int j = i; j < count; j++) {
                    if (!placed[j] && ruleArgs(permits.get(j).rule()).hashed
                            && stateKeys[j].equals(stateKeys[i])) {
                        placed[j] = true;
                        put(sent++, j, keyIndex);
                    }
                }
                for (int k = first; k < sent; k++) {
                    numbers[NUMBERS_PER_PERMIT * k + 2] = sent; // last, 1-based
                }
            }
        }

        private void put(int sent, int original, int keyIndex) {
            Permit permit = permits.get(original);
            RuleArgs rule = ruleArgs(permit.rule());
            order[sent] = original;
            fields[sent] = rule.field;
            int at = NUMBERS_PER_PERMIT * sent;
            numbers[at] = rule.code;
            numbers[at + 1] = keyIndex;
            numbers[at + 2] = sent + 1;
            System.arraycopy(rule.numbers, 0, numbers, at + 3, rule.numbers.length);
            numbers[at + 9] = permit.cost();
            if (permit.rule().calendarAligned()) {
                // A shared store cannot compute time zones: the gateway names this window's end
                // and the next one, and the script picks by the server's time.
                long end1 = permit.rule().windowEndMicros(calendarClock.micros());
                numbers[at + 10] = end1;
                numbers[at + 11] = permit.rule().windowEndMicros(end1);
            }
        }

        /** ARGV for {@code op} (1 acquire, 2 settle, 3 release); see {@code limits.lua}. */
        List<byte[]> args(int op, long delta) {
            ByteBuffer packed = ByteBuffer.allocate(Double.BYTES * (3 + numbers.length))
                    .order(ByteOrder.LITTLE_ENDIAN);
            packed.putDouble(op);
            packed.putDouble(clock == null ? -1 : clock.micros());
            packed.putDouble(delta);
            for (double number : numbers) {
                packed.putDouble(number);
            }
            List<byte[]> args = new ArrayList<>(2 + fields.length);
            args.add(packed.array());
            args.add(leaseId.getBytes(StandardCharsets.UTF_8));
            for (byte[] field : fields) {
                args.add(field);
            }
            return args;
        }
    }

    /**
     * What the script needs of a rule, computed once per rule: its id (field or key suffix),
     * whether its state lives in the key's hash, its algorithm code and L, P, B, unit, rate,
     * cap.
     */
    private record RuleArgs(String id, byte[] field, boolean hashed, int code, double[] numbers) {
    }

    private RuleArgs ruleArgs(LimitRule rule) {
        RuleArgs cached = ruleArgs.get(rule);
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
        long cap = rule.algorithm() == LimitAlgorithm.TOKEN_BUCKET ? rule.burst() * unit : 0;
        String algorithm = switch (rule.algorithm()) {
            case TOKEN_BUCKET -> "tb";
            case FIXED_WINDOW -> "fw";
            case SLIDING_WINDOW -> "sw";
            case SLIDING_LOG -> "sl2";
            case CONCURRENCY -> "cc";
        };
        int code = switch (rule.algorithm()) {
            case TOKEN_BUCKET -> 1;
            case FIXED_WINDOW -> 2;
            case SLIDING_WINDOW -> 3;
            case SLIDING_LOG -> 4;
            case CONCURRENCY -> 5;
        };
        String calendar = rule.calendarAligned()
                ? "cal-" + rule.calendarUnit().orElseThrow() + "-"
                        + escape(rule.zone().orElseThrow().getId()) + ":"
                : "";
        String id = escape(rule.name()) + ":" + calendar + algorithm + ":" + limit + ":"
                + period + ":" + rule.burst();
        RuleArgs computed = new RuleArgs(id, id.getBytes(StandardCharsets.UTF_8), code <= 3, code,
                new double[] {limit, period, rule.burst(), unit, rate, cap});
        ruleArgs.put(rule, computed);
        return computed;
    }

    /** The hash holding the token bucket and window states of a permit's key. */
    private String hashKey(Permit permit) {
        String key = escape(permit.key());
        if (singleSlotTag != null) {
            return keyPrefix + "{" + singleSlotTag + "}:" + key;
        }
        return keyPrefix + "{" + key + "}";
    }

    /**
     * Where a permit's state lives (see the class documentation): its hash and field for token
     * buckets and windows, its sorted set (field {@code null}) for sliding logs and leases.
     */
    StateLocation stateLocation(Permit permit) {
        RuleArgs rule = ruleArgs(permit.rule());
        return rule.hashed ? new StateLocation(hashKey(permit), rule.id)
                : new StateLocation(hashKey(permit) + ":" + rule.id, null);
    }

    /** A Redis key and, for states kept in a hash, the field. */
    record StateLocation(String key, String field) {
    }

    private Object call(List<byte[]> keys, List<byte[]> args) {
        if (!breaker.tryAcquirePermission()) {
            throw circuitOpen;
        }
        try {
            Object reply;
            try {
                reply = jedis.evalsha(SCRIPT_SHA_BYTES, keys, args);
            } catch (JedisNoScriptException e) {
                // Redis restarted or failed over and lost its script cache: load it on the node
                // that owns these keys and run once more. This is not a retry loop.
                jedis.scriptLoad(SCRIPT_BYTES, keys.get(0));
                reply = jedis.evalsha(SCRIPT_SHA_BYTES, keys, args);
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
            if (RedisConnections.isPoolExhausted(e)) {
                breaker.onNotAttempted();
                throw new LimitStoreException("no pooled Redis connection became free in time:"
                        + " the pool is smaller than the gateway's concurrency", e);
            }
            breaker.onFailure(e);
            RedisConnections.discardIdleConnections(jedis);
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
