package io.gatehouse.redis;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;

/**
 * Builds pooled Jedis clients ({@link UnifiedJedis}) for standalone Redis, Redis Cluster and
 * Sentinel-managed Redis, with bounded connect, command and pool-wait timeouts so that a slow or
 * absent Redis costs a caller at most about one timeout, never a hang.
 *
 * <p>Accepted URLs ({@link #parse(String)}):
 * <ul>
 *   <li>{@code redis://[[user]:password@]host[:port][/database]} (TLS: {@code rediss://})</li>
 *   <li>{@code redis-cluster://[[user]:password@]host:port[,host:port...]}</li>
 *   <li>{@code redis-sentinel://[[user]:password@]host:port[,host:port...]/masterName[/database]}
 *       (the password is the master's; sentinels are reached without credentials)</li>
 * </ul>
 *
 * <p>Defaults: connect timeout {@value #DEFAULT_CONNECT_TIMEOUT_MILLIS} ms, command timeout
 * {@value #DEFAULT_COMMAND_TIMEOUT_MILLIS} ms, {@value #DEFAULT_MAX_CONNECTIONS} pooled
 * connections, all of them kept open ({@link Builder#minIdleConnections(int)}), and a wait for a
 * free pooled connection of at most {@value #DEFAULT_POOL_WAIT_MILLIS} ms.
 *
 * <p><b>Sizing and warmth.</b> Every thread that decides a request holds one connection for one
 * round trip, so a pool smaller than the container's request threads makes threads queue for a
 * connection: that wait is the gateway's own congestion, not a Redis failure, so it has its own
 * bound ({@link Builder#poolWait(Duration)}) and callers must not count it against Redis (see
 * {@link #isPoolExhausted(RuntimeException)}). Size {@link Builder#maxConnections(int)} to the
 * container's maximum request threads plus {@value #BACKGROUND_CONNECTIONS} for the stores'
 * background work (key invalidation subscriber, key refresh, usage and last-use flushes).
 * Connections are opened when the client is built ({@link Builder#build()} fills the pool to its
 * minimum idle size; a Redis that is down then is no error) and kept open by the pool's
 * maintenance thread, which also re-opens broken ones: a request never waits for a TCP connect
 * while Redis is up. The command timeout is a budget against measured latency; the operations
 * guide ({@code docs/operations.md}) shows the figures behind the default.
 *
 * <p>Every built client owns its own pool; close it when done.
 *
 * <p>Immutable.
 */
public final class RedisConnections {

    /** Default TCP connect timeout, in milliseconds. */
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 1_000;
    /** Default time a command may wait for its reply, in milliseconds. */
    public static final int DEFAULT_COMMAND_TIMEOUT_MILLIS = 1_000;
    /** Default size of a client's connection pool: a container of 64 request threads, plus. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64 + 4;
    /** Default longest wait for a free pooled connection, in milliseconds. */
    public static final int DEFAULT_POOL_WAIT_MILLIS = 1_000;
    /**
     * Connections a {@link RedisBackend} uses besides request threads: the key invalidation
     * subscriber (held for good), key refreshes, usage and last-use flushes.
     */
    public static final int BACKGROUND_CONNECTIONS = 4;

    private static final int DEFAULT_PORT = 6379;
    private static final int DEFAULT_SENTINEL_PORT = 26379;

    private RedisConnections() {
    }

    /**
     * Closes the idle pooled connections of {@code client} (standalone and Cluster clients built
     * here; others are left alone). After a failed call, idle connections may be dead too (a
     * restarted Redis closed them all); closing them now means the next calls open fresh ones
     * instead of each failing once on a dead one. The pool's maintenance thread then refills it.
     * The stores call this on every failed call; code using a client directly may as well.
     */
    @SuppressWarnings("deprecation") // JedisPooled, JedisCluster: see Builder#build
    public static void discardIdleConnections(UnifiedJedis client) {
        try {
            if (client instanceof JedisPooled pooled) {
                pooled.getPool().clear();
            } else if (client instanceof JedisCluster cluster) {
                cluster.getClusterNodes().values().forEach(pool -> pool.clear());
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RedisConnections.class).debug(
                    "could not discard idle Redis connections", e);
        }
    }

    /**
     * Whether {@code failure} of a call means that no pooled connection became free within the
     * pool wait: the gateway is congested (its pool is smaller than its concurrency), while
     * Redis itself may be answering well. Such a call never reached Redis.
     */
    public static boolean isPoolExhausted(RuntimeException failure) {
        Throwable cause = failure.getCause();
        // Jedis wraps commons-pool's "pool exhausted" (a NoSuchElementException without a cause)
        // in a plain JedisException; a failed connect has a cause and is a Redis failure.
        return cause instanceof java.util.NoSuchElementException && cause.getCause() == null;
    }

    /** The deployment a builder connects to. */
    public enum Mode {
        STANDALONE, CLUSTER, SENTINEL
    }

    /**
     * Parses one of the URL forms in the class doc.
     *
     * @throws IllegalArgumentException naming the bad URL
     */
    public static Builder parse(String url) {
        Objects.requireNonNull(url, "url");
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException(
                    "not a Redis URL (no scheme): '" + redact(url) + "'");
        }
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "redis", "rediss" -> standalone(url);
            case "redis-cluster", "redis-sentinel" ->
                    multiHost(scheme, url.substring(schemeEnd + 3));
            default -> throw new IllegalArgumentException(
                    "unknown Redis URL scheme '" + scheme + "' in '" + redact(url) + "'");
        };
    }

    /** A standalone server: {@code redis://[[user]:password@]host[:port][/database]}. */
    public static Builder standalone(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed Redis URL '" + redact(url) + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss") || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "expected redis://host:port or rediss://host:port, was '" + redact(url) + "'");
        }
        Builder builder = new Builder(Mode.STANDALONE,
                List.of(new HostAndPort(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT
                        : uri.getPort())), null);
        builder.ssl = scheme.equals("rediss");
        builder.credentials(uri.getRawUserInfo());
        builder.database(databaseOf(uri.getPath(), url));
        return builder;
    }

    /** A cluster, seeded by any of its nodes ({@code host:port}). */
    public static Builder cluster(List<String> seedNodes) {
        return new Builder(Mode.CLUSTER, hostsOf(seedNodes, DEFAULT_PORT), null);
    }

    /** A Sentinel-managed master named {@code masterName}, found through {@code sentinels}. */
    public static Builder sentinel(String masterName, List<String> sentinels) {
        Objects.requireNonNull(masterName, "masterName");
        if (masterName.isBlank()) {
            throw new IllegalArgumentException("sentinel master name must not be blank");
        }
        return new Builder(Mode.SENTINEL, hostsOf(sentinels, DEFAULT_SENTINEL_PORT), masterName);
    }

    private static Builder multiHost(String scheme, String rest) {
        String userInfo = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        int slash = rest.indexOf('/');
        String hosts = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        List<String> nodes = List.of(hosts.split(","));
        Builder builder;
        if (scheme.equals("redis-cluster")) {
            if (!path.isEmpty()) {
                throw new IllegalArgumentException(
                        "redis-cluster URLs take no path (Cluster has only database 0): '" + path
                                + "'");
            }
            builder = cluster(nodes);
        } else {
            String[] parts = path.split("/", 2);
            if (parts[0].isEmpty()) {
                throw new IllegalArgumentException(
                        "redis-sentinel URL needs /masterName after the sentinel hosts");
            }
            builder = sentinel(parts[0], nodes);
            if (parts.length == 2) {
                builder.database(databaseOf("/" + parts[1], scheme + "://..."));
            }
        }
        builder.credentials(userInfo);
        return builder;
    }

    private static List<HostAndPort> hostsOf(List<String> hostPorts, int defaultPort) {
        if (hostPorts.isEmpty()) {
            throw new IllegalArgumentException("at least one host:port is needed");
        }
        List<HostAndPort> hosts = new ArrayList<>();
        for (String hostPort : hostPorts) {
            String trimmed = hostPort.trim();
            int colon = trimmed.lastIndexOf(':');
            try {
                hosts.add(colon < 0 ? new HostAndPort(trimmed, defaultPort)
                        : new HostAndPort(trimmed.substring(0, colon),
                                Integer.parseInt(trimmed.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad host:port '" + trimmed + "'");
            }
            if (trimmed.isEmpty() || colon == 0) {
                throw new IllegalArgumentException("bad host:port '" + trimmed + "'");
            }
        }
        return List.copyOf(hosts);
    }

    private static int databaseOf(String path, String url) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            int database = Integer.parseInt(path.substring(1));
            if (database < 0) {
                throw new NumberFormatException();
            }
            return database;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Redis database must be a number, was '" + path + "' in '" + redact(url) + "'");
        }
    }

    /** The URL without its password, for messages: secrets are never echoed. */
    static String redact(String url) {
        int schemeEnd = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (schemeEnd < 0 || at < schemeEnd) {
            return url;
        }
        return url.substring(0, schemeEnd + 3) + "***@" + url.substring(at + 1);
    }

    /** Collects a client's settings. Not thread-safe. */
    public static final class Builder {
        private final Mode mode;
        private final List<HostAndPort> hosts;
        private final String masterName;
        private boolean ssl;
        private String user;
        private String password;
        private int database;
        private Duration connectTimeout = Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS);
        private Duration commandTimeout = Duration.ofMillis(DEFAULT_COMMAND_TIMEOUT_MILLIS);
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int minIdleConnections = -1;
        private Duration poolWait = Duration.ofMillis(DEFAULT_POOL_WAIT_MILLIS);
        private String clientName;

        private Builder(Mode mode, List<HostAndPort> hosts, String masterName) {
            this.mode = mode;
            this.hosts = hosts;
            this.masterName = masterName;
        }

        private void credentials(String rawUserInfo) {
            if (rawUserInfo == null || rawUserInfo.isEmpty()) {
                return;
            }
            int colon = rawUserInfo.indexOf(':');
            String rawUser = colon < 0 ? "" : rawUserInfo.substring(0, colon);
            String rawPassword = colon < 0 ? rawUserInfo : rawUserInfo.substring(colon + 1);
            user = rawUser.isEmpty() ? null : decode(rawUser);
            password = rawPassword.isEmpty() ? null : decode(rawPassword);
        }

        private static String decode(String raw) {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        }

        /** The deployment this builder connects to. */
        public Mode mode() {
            return mode;
        }

        /** The hosts: the server, the cluster seeds, or the sentinels. */
        public List<HostAndPort> hosts() {
            return hosts;
        }

        /** TCP connect timeout; at least 1 ms. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positiveMillis(timeout, "connectTimeout");
            return this;
        }

        /**
         * Longest wait for a reply; at least 1 ms. A call that times out had been sent, so
         * Redis may still run it: its outcome is unknown.
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positiveMillis(timeout, "commandTimeout");
            return this;
        }

        /**
         * Pool size per server: the container's maximum request threads plus
         * {@value RedisConnections#BACKGROUND_CONNECTIONS} (see the class documentation).
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException(
                        "maxConnections must be at least 1, was " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * Connections kept open while idle, opened when the client is built and re-opened by the
         * pool's maintenance thread; all of {@link #maxConnections(int)} by default (capped at
         * it), so no request ever pays for a connect.
         */
        public Builder minIdleConnections(int minIdleConnections) {
            if (minIdleConnections < 0) {
                throw new IllegalArgumentException(
                        "minIdleConnections must not be negative, was " + minIdleConnections);
            }
            this.minIdleConnections = minIdleConnections;
            return this;
        }

        /**
         * Longest wait for a free pooled connection when all are in use; at least 1 ms. Waiting
         * is the gateway's congestion, not a Redis failure (see the class documentation).
         */
        public Builder poolWait(Duration poolWait) {
            this.poolWait = positiveMillis(poolWait, "poolWait");
            return this;
        }

        /** ACL user (Redis 6+); {@code null} for the default user. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** Password; {@code null} for none. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** Logical database (standalone and Sentinel only). */
        public Builder database(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("database must be >= 0, was " + database);
            }
            if (database != 0 && mode == Mode.CLUSTER) {
                throw new IllegalArgumentException("Redis Cluster has only database 0");
            }
            this.database = database;
            return this;
        }

        /** {@code CLIENT SETNAME} for every connection, to spot gateways in {@code CLIENT LIST}. */
        public Builder clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        public Duration connectTimeout() {
            return connectTimeout;
        }

        public Duration commandTimeout() {
            return commandTimeout;
        }

        public Duration poolWait() {
            return poolWait;
        }

        public int maxConnections() {
            return maxConnections;
        }

        /** The connections kept open while idle. */
        public int minIdleConnections() {
            return minIdleConnections < 0 ? maxConnections
                    : Math.min(minIdleConnections, maxConnections);
        }

        private static Duration positiveMillis(Duration timeout, String what) {
            Objects.requireNonNull(timeout, what);
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        what + " must be between 1 ms and 24 days, was " + timeout);
            }
            return timeout;
        }

        JedisClientConfig clientConfig() {
            DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis((int) connectTimeout.toMillis())
                    .socketTimeoutMillis((int) commandTimeout.toMillis())
                    .database(database)
                    .ssl(ssl)
                    // No CLIENT SETINFO round trips on every new connection.
                    .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
            if (user != null) {
                config.user(user);
            }
            if (password != null) {
                config.password(password);
            }
            if (clientName != null) {
                config.clientName(clientName);
            }
            return config.build();
        }

        private JedisClientConfig sentinelConfig() {
            return DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis((int) connectTimeout.toMillis())
                    .socketTimeoutMillis((int) commandTimeout.toMillis())
                    .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                    .build();
        }

        ConnectionPoolConfig poolConfig() {
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            pool.setMaxTotal(maxConnections);
            pool.setMaxIdle(maxConnections);
            pool.setMinIdle(minIdleConnections());
            pool.setBlockWhenExhausted(true);
            pool.setMaxWait(poolWait);
            pool.setTestOnBorrow(false);
            // The maintenance thread PINGs idle connections, drops broken ones and opens new
            // ones up to the minimum, every few seconds: off the request path.
            pool.setTestWhileIdle(true);
            pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(5));
            // Idle connections above the minimum close after a minute; those within it stay.
            pool.setMinEvictableIdleDuration(Duration.ofMillis(-1));
            pool.setSoftMinEvictableIdleDuration(Duration.ofSeconds(60));
            return pool;
        }

        /**
         * Creates the client. A standalone client opens its {@link #minIdleConnections(int)}
         * connections now (if Redis does not answer, the pool's maintenance thread keeps
         * trying); Cluster and Sentinel clients contact a seed node or sentinel now to learn the
         * topology, and their per-node pools fill up to the minimum in the background.
         *
         * @throws redis.clients.jedis.exceptions.JedisException when Cluster or Sentinel
         *     topology cannot be learned
         */
        // JedisPooled, JedisCluster and JedisSentineled are deprecated in Jedis 7 in favour of
        // RedisClient and friends; they are the pooled clients this project standardised on and
        // are UnifiedJedis either way, so callers see no difference if this changes.
        @SuppressWarnings("deprecation")
        public UnifiedJedis build() {
            JedisClientConfig config = clientConfig();
            return switch (mode) {
                case STANDALONE -> prewarmed(new JedisPooled(hosts.get(0), config, poolConfig()));
                case CLUSTER -> new JedisCluster(new LinkedHashSet<>(hosts), config,
                        // One retry after a redirect or a broken connection, bounded in time.
                        2, commandTimeout.multipliedBy(3), poolConfig());
                case SENTINEL -> {
                    Set<HostAndPort> sentinels = new LinkedHashSet<>(hosts);
                    yield new JedisSentineled(masterName, config, poolConfig(), sentinels,
                            sentinelConfig());
                }
            };
        }

        @SuppressWarnings("deprecation")
        private static JedisPooled prewarmed(JedisPooled client) {
            try {
                client.getPool().preparePool();
            } catch (Exception e) {
                // Redis is not up yet: the maintenance thread fills the pool once it is.
                org.slf4j.LoggerFactory.getLogger(RedisConnections.class).debug(
                        "could not open pooled Redis connections yet", e);
            }
            return client;
        }

        @Override
        public String toString() {
            return mode + " " + hosts + (masterName == null ? "" : " master " + masterName)
                    + (password == null ? "" : " (password set)");
        }
    }
}
