package io.gatehouse.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} process on a free loopback port, with its own temporary directory,
 * for tests. Never touches the shared server on 6379.
 *
 * <p>The server is started behind a tiny shell watchdog that kills it when this JVM's end of the
 * watchdog's stdin closes, so no server outlives the test JVM, even when the JVM is killed. A
 * shutdown hook also stops every server on a normal exit.
 *
 * <p>When {@code redis-server} is not installed the calling test is skipped (JUnit assumption),
 * except under {@code CI=true}, where it fails: CI must never silently skip the Redis suite.
 *
 * <p>Thread-safe.
 */
final class RedisServer implements AutoCloseable {

    private static final Set<RedisServer> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** System property naming the directory of redis-server and redis-cli (default: PATH). */
    static final String BIN_PROPERTY = "gatehouse.redis.bin";
    private static final java.util.concurrent.atomic.AtomicBoolean SKIP_ANNOUNCED =
            new java.util.concurrent.atomic.AtomicBoolean();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (RedisServer server : RUNNING) {
                server.stop();
            }
        }, "redis-server-reaper"));
    }

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final String configFileContent;
    private Process watchdog;
    private long pid;

    private RedisServer(int port, Path dir, List<String> extraArgs, String configFileContent) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.configFileContent = configFileContent;
    }

    /** Starts a standalone server on a free port, or skips the calling test (see class doc). */
    static RedisServer start() {
        return start(List.of(), false);
    }

    /**
     * Starts a server with {@code extraArgs}; with {@code clusterBusPort} the port is chosen so
     * that port + 10000 (the cluster bus) is free as well.
     */
    static RedisServer start(List<String> extraArgs, boolean clusterBusPort) {
        return start(extraArgs, clusterBusPort, null);
    }

    /** Starts a Sentinel that monitors {@code master} under {@code masterName}, quorum 1. */
    static RedisServer startSentinel(RedisServer master, String masterName) {
        return start(List.of("--sentinel"), false, "sentinel monitor " + masterName + " "
                + master.host() + " " + master.port() + " 1\n");
    }

    private static RedisServer start(List<String> extraArgs, boolean clusterBusPort,
            String configFileContent) {
        requireRedisBinaries();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = clusterBusPort ? freeClusterPort() : freePort();
            Path dir;
            try {
                dir = Files.createTempDirectory("gatehouse-redis-" + port + "-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            RedisServer server = new RedisServer(port, dir, extraArgs, configFileContent);
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) {
                // Another process may have taken the port between probing and binding: retry.
                server.close();
                last = e;
            }
        }
        throw last;
    }

    /**
     * Skips the calling test when {@code redis-server} or {@code redis-cli} is missing, or fails
     * it under {@code CI=true}.
     */
    static void requireRedisBinaries() {
        if (binary("redis-server") != null && binary("redis-cli") != null) {
            return;
        }
        String message = "redis-server/redis-cli not found "
                + (System.getProperty(BIN_PROPERTY) != null
                        ? "in " + System.getProperty(BIN_PROPERTY) : "on PATH")
                + ": Redis tests need a local Redis 7 (e.g. apt-get install redis-server)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(message + "; under CI=true they must not be skipped");
        }
        if (SKIP_ANNOUNCED.compareAndSet(false, true)) {
            // Surefire shows a class aborted in @BeforeAll as "Tests run: 0": say why, once.
            System.err.println("WARNING: " + message + "; skipping every Redis test");
        }
        Assumptions.abort(message + "; skipping");
    }

    /**
     * The absolute path of a Redis binary: from the directory named by the system property
     * {@value #BIN_PROPERTY} when set, else from PATH; {@code null} when missing.
     */
    static String binary(String name) {
        String dir = System.getProperty(BIN_PROPERTY);
        String path = dir != null ? dir : System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String entry : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().toString();
            }
        }
        return null;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("try") // the bus socket is opened only to prove the port is free
    private static int freeClusterPort() {
        for (int i = 0; i < 100; i++) {
            int port = freePort();
            if (port + 10_000 > 65_535) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + 10_000, 1,
                    InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException busTaken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>(List.of(
                "sh", "-c",
                // The watchdog: start redis and print its pid; a reader kills redis once our
                // end of stdin closes (JVM exit or crash); the shell itself lives as long as redis.
                "exec 3<&0; \"$0\" \"$@\" </dev/null & pid=$!; echo $pid;"
                        + " { read _ignored <&3; kill -9 $pid 2>/dev/null; } &"
                        + " exec 3<&-; wait $pid",
                binary("redis-server")));
        if (configFileContent != null) {
            // A config file, when given, must come first; Sentinel rewrites it, so it is ours.
            Path config = dir.resolve("redis.conf");
            try {
                if (!Files.exists(config)) {
                    Files.writeString(config, configFileContent);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            command.add(config.toString());
        }
        command.addAll(List.of(
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", dir.toString(),
                "--logfile", dir.resolve("redis.log").toString(),
                "--enable-debug-command", "local"));
        command.addAll(extraArgs);
        try {
            watchdog = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            BufferedReader out = new BufferedReader(
                    new InputStreamReader(watchdog.getInputStream(), StandardCharsets.US_ASCII));
            pid = Long.parseLong(out.readLine().trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RUNNING.add(this);
        awaitPing(START_TIMEOUT);
    }

    private void awaitPing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!watchdog.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: "
                        + logTail());
            }
            try (Jedis jedis = new Jedis(host(), port, 200)) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // still starting
            }
            sleep(10);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING: "
                + logTail());
    }

    String host() {
        return "127.0.0.1";
    }

    int port() {
        return port;
    }

    HostAndPort hostAndPort() {
        return new HostAndPort(host(), port);
    }

    /** The URL of this server, for {@code RedisConnections.url}. */
    String url() {
        return "redis://" + host() + ":" + port;
    }

    /** A fresh single connection for administration; the caller closes it. */
    Jedis admin() {
        // No CLIENT SETINFO on connect: it would be blocked while clients are paused.
        return new Jedis(hostAndPort(), DefaultJedisClientConfig.builder().timeoutMillis(2_000)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build());
    }

    /** Runs one administrative command and returns its reply. */
    Object command(String command, String... args) {
        try (Jedis jedis = admin()) {
            return jedis.sendCommand(() -> command.getBytes(StandardCharsets.US_ASCII), args);
        }
    }

    /** Deletes every key. */
    void flushAll() {
        try (Jedis jedis = admin()) {
            jedis.flushAll();
        }
    }

    /** Resets {@code INFO commandstats}. */
    void resetStats() {
        try (Jedis jedis = admin()) {
            jedis.configResetStat();
        }
    }

    /** The number of calls of {@code command} (lower case, e.g. {@code evalsha}) since reset. */
    long calls(String command) {
        String info;
        try (Jedis jedis = admin()) {
            info = jedis.info("commandstats");
        }
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(prefix)) {
                String rest = line.substring(prefix.length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    /** Every command name with at least one call since reset, with its call count. */
    java.util.Map<String, Long> commandCalls() {
        String info;
        try (Jedis jedis = admin()) {
            info = jedis.info("commandstats");
        }
        java.util.Map<String, Long> calls = new java.util.TreeMap<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                int at = line.indexOf("calls=") + "calls=".length();
                calls.put(name, Long.parseLong(line.substring(at, line.indexOf(',', at))));
            }
        }
        return calls;
    }

    /**
     * Makes the server stop answering normal clients for {@code duration} ({@code CLIENT PAUSE
     * ... ALL}); connections stay open and commands queue up.
     */
    void pauseClients(Duration duration) {
        command("CLIENT", "PAUSE", Long.toString(duration.toMillis()), "ALL");
    }

    /**
     * Blocks the whole server for {@code duration} with {@code DEBUG SLEEP}: it neither answers
     * nor accepts. Returns at once; the sleep runs on a background connection.
     */
    void debugSleep(Duration duration) {
        Thread sleeper = new Thread(() -> {
            try (Jedis jedis = new Jedis(host(), port, (int) duration.toMillis() + 5_000)) {
                jedis.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "SLEEP",
                        Double.toString(duration.toMillis() / 1000.0));
            } catch (RuntimeException ignored) {
                // the test observes the server, not this connection
            }
        }, "redis-debug-sleep-" + port);
        sleeper.setDaemon(true);
        sleeper.start();
        // Let the DEBUG SLEEP reach the server before the caller starts measuring.
        sleep(50);
    }

    /** Freezes the process (SIGSTOP): the port accepts TCP connections but nothing answers. */
    void freeze() {
        signal("STOP");
    }

    /** Thaws a frozen process (SIGCONT). */
    void thaw() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server abruptly (like a crash), keeping its port and directory for a restart. */
    synchronized void stop() {
        if (watchdog == null) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        try {
            // The shell reaps redis and exits; closing stdin ends the reader as well.
            watchdog.waitFor(5, TimeUnit.SECONDS);
            watchdog.getOutputStream().close();
        } catch (IOException | InterruptedException ignored) {
            // destroyed below either way
        }
        watchdog.destroyForcibly();
        watchdog = null;
        RUNNING.remove(this);
        awaitPortClosed();
    }

    /** Starts the server again on the same port and directory after {@link #stop()}. */
    synchronized void restart() {
        stop();
        IllegalStateException last = null;
        // The port can linger briefly after a kill; retry the bind a few times.
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                launch();
                return;
            } catch (IllegalStateException e) {
                last = e;
                stop();
                sleep(100);
            }
        }
        throw last;
    }

    boolean isRunning() {
        return watchdog != null;
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host(), port), 100);
            } catch (IOException closed) {
                return;
            }
            sleep(10);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the server and deletes its directory. */
    @Override
    public synchronized void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "redis-server " + host() + ":" + port;
    }
}
