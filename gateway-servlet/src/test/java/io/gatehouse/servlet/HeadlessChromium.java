package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code chromium}, run headless on loopback pages. Installed with {@code apt-get} when
 * missing; when it still cannot be found the caller's test is skipped, or fails under
 * {@code CI=true}.
 */
final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser");

    private final Path executable;

    private HeadlessChromium(Path executable) {
        this.executable = executable;
    }

    /** The installed browser, installing it first when it is missing and we may. */
    static HeadlessChromium require() throws IOException, InterruptedException {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            install("chromium");
            found = find();
        }
        if (found.isEmpty()) {
            String message = "chromium is not installed and could not be installed with apt-get";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort(message);
        }
        return new HeadlessChromium(found.get());
    }

    /** The browser's executable. */
    Path executable() {
        return executable;
    }

    /**
     * Debian's {@code chromedriver} (package {@code chromium-driver}), installing it first when
     * it is missing and we may; skips the caller's test when it cannot, or fails it under
     * {@code CI=true}.
     */
    static Path requireDriver() throws IOException, InterruptedException {
        Optional<Path> found = find(List.of("chromedriver"));
        if (found.isEmpty()) {
            install("chromium-driver");
            found = find(List.of("chromedriver"));
        }
        if (found.isEmpty()) {
            String message = "chromedriver is not installed and could not be installed with "
                    + "apt-get (package chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    private static Optional<Path> find() {
        return find(NAMES);
    }

    private static Optional<Path> find(List<String> names) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(directory, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static void install(String debianPackage) throws IOException, InterruptedException {
        List<String> prefix = "root".equals(System.getProperty("user.name"))
                ? List.of() : List.of("sudo", "-n");
        if (!run(prefix, "apt-get", "install", "-y", "-qq", debianPackage)) {
            run(prefix, "apt-get", "update", "-qq");
            run(prefix, "apt-get", "install", "-y", "-qq", debianPackage);
        }
    }

    private static boolean run(List<String> prefix, String... command)
            throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(prefix);
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process;
        try {
            process = builder.start();
        } catch (IOException notThere) {
            return false;
        }
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }

    /** Loads {@code url} headless and returns the DOM once the page has loaded. */
    String dumpDom(String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("gatehouse-chromium");
        try {
            Process process = new ProcessBuilder(executable.toString(), "--headless",
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--user-data-dir=" + profile, "--dump-dom", url)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] dom = process.getInputStream().readAllBytes();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("chromium did not exit");
            }
            return new String(dom, StandardCharsets.UTF_8);
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // A profile file still held by a dying renderer; the temp directory is reaped.
        }
    }
}
