package io.gatehouse.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A 3-master Redis Cluster of real {@code redis-server} processes on free loopback ports, built
 * with {@code redis-cli --cluster create}, for tests. Skipped or failed like {@link RedisServer}
 * when the binaries are missing.
 *
 * <p>Thread-safe.
 */
final class RedisClusterNodes implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final List<RedisServer> nodes;

    private RedisClusterNodes(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts three masters, joins them into one cluster and waits until it is ready. */
    static RedisClusterNodes start() {
        RedisServer.requireRedisBinaries();
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(RedisServer.start(List.of(
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"), true));
            }
            RedisClusterNodes cluster = new RedisClusterNodes(nodes);
            cluster.create();
            cluster.awaitReady();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void create() {
        List<String> command = new ArrayList<>(
                List.of(RedisServer.binary("redis-cli"), "--cluster", "create"));
        for (RedisServer node : nodes) {
            command.add(node.host() + ":" + node.port());
        }
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: "
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (nodes.stream().allMatch(RedisClusterNodes::ready)) {
                return;
            }
            RedisServer.sleep(50);
        }
        throw new IllegalStateException("cluster did not become ready on " + nodes);
    }

    private static boolean ready(RedisServer node) {
        try (Jedis jedis = node.admin()) {
            String info = jedis.clusterInfo();
            return info.contains("cluster_state:ok")
                    && info.contains("cluster_slots_ok:16384")
                    && info.contains("cluster_known_nodes:3");
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    List<RedisServer> nodes() {
        return nodes;
    }

    /** {@code host:port} of every master, to seed a cluster client. */
    List<String> hostPorts() {
        return nodes.stream().map(node -> node.host() + ":" + node.port()).toList();
    }

    /** Deletes every key on every master. */
    void flushAll() {
        nodes.forEach(RedisServer::flushAll);
    }

    /** Resets {@code INFO commandstats} on every master. */
    void resetStats() {
        nodes.forEach(RedisServer::resetStats);
    }

    /** Calls of {@code command} summed over every master since reset. */
    long calls(String command) {
        return nodes.stream().mapToLong(node -> node.calls(command)).sum();
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    @Override
    public String toString() {
        return "redis cluster " + hostPorts();
    }
}
