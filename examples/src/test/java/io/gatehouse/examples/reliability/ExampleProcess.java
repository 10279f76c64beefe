package io.gatehouse.examples.reliability;

import static org.awaitility.Awaitility.await;

import io.gatehouse.examples.ExampleGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example gateway as operators run it: its main class in a child JVM on a free loopback
 * port, with any command-line options (e.g. {@code --redis-url}, {@code --drain-seconds}). Its
 * output goes to a temporary file, read back line by line so tests can count what it logged.
 *
 * <p>Not thread-safe; one test drives one process.
 */
public final class ExampleProcess implements AutoCloseable {

    /** The demo tenant on the enterprise tier (1,000 requests an hour). */
    public static final String ENTERPRISE_KEY = "key_789";

    private static final Pattern LISTENING = Pattern.compile(
            "Gatehouse example gateway listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DEV_KEY = Pattern.compile("Dev API key: (\\S+)");
    private static final String KEYS_FILE = "gatehouse-example-keys.txt";

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the keys file is unreadable", e);
        }
    }

    private final Process process;
    private final Path log;
    private volatile int port;
    private volatile String devKey;

    private final Path keys;

    private ExampleProcess(Process process, Path log, Path keys) {
        this.process = process;
        this.log = log;
        this.keys = keys;
    }

    /**
     * Starts the example on 127.0.0.1 and a free port with {@code options} and waits until it
     * listens.
     */
    public static ExampleProcess start(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ExampleGateway.class.getName(), "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(options));
        // To a file, not a pipe: a pipe read while the process exits may lose its last lines.
        Path log = Files.createTempFile("gatehouse-example", ".log");
        // Its output is no terminal, so the jar writes the generated keys to a private file.
        Path keys = Files.createTempDirectory("gatehouse-example-keys");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("GATEHOUSE_KEYS_DIR", keys.toString());
        ExampleProcess example = new ExampleProcess(builder.start(), log, keys);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> example.listening()
                    || !example.process.isAlive());
        } catch (RuntimeException e) {
            example.close();
            throw e;
        }
        if (example.port == 0) {
            List<String> output = example.output();
            example.close();
            throw new IllegalStateException("the example did not start: " + output);
        }
        return example;
    }

    private boolean listening() {
        for (String line : output()) {
            if (devKey == null && line.contains("API keys are in ")) {
                Matcher key = DEV_KEY.matcher(read(keys.resolve(KEYS_FILE)));
                if (key.find()) {
                    devKey = key.group(1);
                }
            }
            Matcher listening = LISTENING.matcher(line);
            if (listening.find()) {
                port = Integer.parseInt(listening.group(1));
            }
        }
        return port > 0 && devKey != null;
    }

    public int port() {
        return port;
    }

    /** The development API key (premium tier, 100 requests an hour) generated for this run. */
    public String devKey() {
        return devKey;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Every line the process printed so far (standard output and error, interleaved). */
    public List<String> output() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the example's output is unreadable", e);
        }
    }

    /** Lines printed so far that contain {@code text}. */
    public long linesContaining(String text) {
        return output().stream().filter(line -> line.contains(text)).count();
    }

    /** Sends SIGTERM, as a process manager does to stop a service. */
    public void terminate() {
        process.destroy();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the process to exit.
     *
     * @return its exit code
     * @throws IllegalStateException if it is still running after {@code timeout}
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the example did not exit within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(log);
            Files.deleteIfExists(keys.resolve(KEYS_FILE));
            Files.deleteIfExists(keys);
        } catch (IOException e) {
            // A leftover log in the temp directory is harmless.
        }
    }
}
