package io.gatehouse.benchmarks;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process of its own on a free loopback port, never the shared 6379: no
 * persistence, gone when {@link #close()}d. The binary is {@code redis-server} on the
 * {@code PATH}, or the path in the system property {@code redis.server}. With the system
 * property {@code redis.cpus} (a {@code taskset} CPU list, e.g. {@code 1}) the server runs on
 * those CPUs only, so that a benchmark pinned to the others measures Redis on cores of its own.
 *
 * <p>Not thread-safe; start and stop it from one thread.
 */
final class RedisServerProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private RedisServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a server and waits until it answers {@code PING}. */
    static RedisServerProcess start() {
        String binary = System.getProperty("redis.server", "redis-server");
        String cpus = System.getProperty("redis.cpus", "");
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            List<String> command = new ArrayList<>();
            if (!cpus.isEmpty()) {
                command.addAll(List.of("taskset", "-c", cpus));
            }
            command.addAll(List.of(binary, "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "no", "--loglevel", "warning"));
            try {
                Process process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (awaitPing(process, port)) {
                    return new RedisServerProcess(process, port);
                }
                process.destroyForcibly();
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IllegalStateException("could not start " + binary
                + " on a loopback port (install redis-server or set -Dredis.server=PATH)", last);
    }

    int port() {
        return port;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    /** Polls with a raw inline {@code PING} so that startup does not depend on the client. */
    private static boolean awaitPing(Process process, int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                socket.setSoTimeout(500);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] reply = new byte[7];
                int read = socket.getInputStream().read(reply);
                if (read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII)
                        .startsWith("+PONG")) {
                    return true;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Whether {@code binary} names an executable, for a clear message before a long run. */
    static boolean available() {
        String binary = System.getProperty("redis.server", "redis-server");
        if (binary.indexOf(File.separatorChar) >= 0) {
            return new File(binary).canExecute();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, binary).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
