package io.gatehouse.servlet;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus' own checker, {@code promtool check metrics}, run on a scrape. When it is missing
 * the helper installs Debian's {@code prometheus} package with apt-get if it can (as root);
 * without it the calling test is skipped, except under {@code CI=true}, where it fails.
 */
final class Promtool {

    private Promtool() {
    }

    /** The promtool binary; installs it or skips (fails under CI) when missing. */
    static Path require() throws Exception {
        Path found = onPath();
        if (found == null && onPath("apt-get") != null && isRoot()) {
            run(new ProcessBuilder("apt-get", "install", "-y", "-qq", "--no-install-recommends",
                    "prometheus"), 600);
            found = onPath();
        }
        if (found != null) {
            return found;
        }
        String message = "promtool not found on PATH: the /metrics test checks the exposition "
                + "with it (apt-get install prometheus)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(message + "; under CI=true it must not be skipped");
        }
        Assumptions.abort(message + "; skipping");
        return null;
    }

    /**
     * Runs {@code promtool check metrics} on {@code exposition}.
     *
     * @return its exit code and output, e.g. {@code 0:} for a clean file
     */
    static String checkMetrics(Path promtool, String exposition) throws Exception {
        Path input = Files.createTempFile("gatehouse-metrics", ".prom");
        Path output = Files.createTempFile("gatehouse-promtool", ".txt");
        try {
            Files.writeString(input, exposition, StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(input.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            int exit = run(builder, 60);
            return exit + ":" + Files.readString(output, StandardCharsets.UTF_8).strip();
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(output);
        }
    }

    private static int run(ProcessBuilder builder, long timeoutSeconds) throws Exception {
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + builder.command());
        }
        return process.exitValue();
    }

    private static boolean isRoot() {
        try {
            Process id = new ProcessBuilder("id", "-u").start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return id.waitFor(10, TimeUnit.SECONDS) && uid.strip().equals("0");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Path onPath() {
        return onPath("promtool");
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
