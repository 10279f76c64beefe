package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user meets it: the main class run in its own JVM, as
 * {@code java -jar gateway-examples.jar} would run it.
 */
class ExampleMainTest {

    private static final Pattern LISTENING =
            Pattern.compile("Gatehouse example gateway listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DEV_KEY = Pattern.compile("Dev API key: (sk_dev_\\S+)");

    private static final Pattern KEYS_FILE = Pattern.compile(
            "Standard output is not a terminal: the dev and admin API keys are in (\\S+) "
                    + "\\(readable by this user only\\)");

    private final List<Process> launched = new ArrayList<>();

    @TempDir
    Path keysDirectory;

    /**
     * The dev key's match when {@code line} names the keys file (it must be readable by the
     * user only, and the line itself must hold no key), else {@code null}.
     */
    private static Matcher keyFrom(String line) throws IOException {
        assertThat(line).doesNotContain("sk_dev_");
        Matcher file = KEYS_FILE.matcher(line);
        if (!file.matches()) {
            return null;
        }
        Path keys = Path.of(file.group(1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)))
                .isEqualTo("rw-------");
        Matcher key = DEV_KEY.matcher(Files.readString(keys));
        assertThat(key.find()).as("the dev key in " + keys).isTrue();
        return key;
    }

    @AfterEach
    void stopWhatIsLeft() {
        // A process that failed an assertion must not outlive the test run.
        launched.forEach(Process::destroyForcibly);
    }

    private Process launch(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                ExampleGateway.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        // Standard output is a pipe here, not a terminal: the keys go to a private file.
        builder.environment().put("GATEHOUSE_KEYS_DIR", keysDirectory.toString());
        Process process = builder.start();
        launched.add(process);
        return process;
    }

    private static String read(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void unknownOptionPrintsOneLineErrorAndUsageAndExitsWith2() throws Exception {
        Process process = launch("--prot", "9000");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = read(process.getErrorStream());
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(err).isEqualTo("gateway-examples: unknown option '--prot'\n" + Options.USAGE);
        assertThat(read(process.getInputStream())).isEmpty();
    }

    @Test
    void badPortPrintsOneLineErrorAndExitsWith2() throws Exception {
        Process process = launch("--port", "eighty");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(read(process.getErrorStream())).startsWith(
                "gateway-examples: option --port must be a number from 0 to 65535, was 'eighty'\n"
                        + "Usage: ");
    }

    @Test
    void aBadConfigurationFileStopsTheStartNamingLineAndFieldWithExitCode2() throws Exception {
        Path file = keysDirectory.resolve("bad.yaml");
        Files.writeString(file, """
                routes:
                  - id: one
                    path: /one
                    max_body_bytes: lots
                """);
        Process process = launch("--port", "0", "--config", file.toString());

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        String err = read(process.getErrorStream());
        assertThat(err).startsWith("gateway-examples: bad configuration: " + file
                + " line 4: routes[0].max_body_bytes: ");
        assertThat(err.lines()).hasSize(1);
        assertThat(read(process.getInputStream())).doesNotContain("listening");
    }

    @Test
    void helpPrintsUsageAndExitsWith0() throws Exception {
        Process process = launch("--help");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(0);
        assertThat(read(process.getInputStream())).isEqualTo(Options.USAGE);
        assertThat(read(process.getErrorStream())).isEmpty();
    }

    @Test
    void startPrintsTheUrlAndAWorkingDevKeyOnALineOfItsOwn() throws Exception {
        // The sample configuration of the repository, as a file.
        Process process = launch("--host", "127.0.0.1", "--port", "0", "--config",
                Path.of("gatehouse.yaml").toAbsolutePath().toString());
        try {
            BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Matcher listening = null;
            Matcher devKey = null;
            for (String line; devKey == null && (line = out.readLine()) != null; ) {
                Matcher url = LISTENING.matcher(line);
                if (url.matches()) {
                    listening = url;
                }
                Matcher key = keyFrom(line);
                if (key != null) {
                    devKey = key;
                }
            }
            assertThat(listening).as("the URL line").isNotNull();
            assertThat(devKey).as("the dev key line").isNotNull();

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening.group(1)
                                    + "/invocations"))
                            .header("Content-Type", "application/json")
                            .header("X-API-Key", devKey.group(1))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aTakenPortIsReportedInOneLineWithExitCode1() throws Exception {
        try (ExampleGateway.Running taken = ExampleGateway.start("127.0.0.1", 0)) {
            Process process = launch("--host", "127.0.0.1", "--port", String.valueOf(taken.port()));

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            String err = read(process.getErrorStream());
            assertThat(err).startsWith("gateway-examples: cannot listen on 127.0.0.1:"
                    + taken.port() + ": ");
            assertThat(err.lines()).hasSize(1);
        }
    }

    @Test
    void jsonLogsCarryAccessFieldsAndNoKeyEverReachesTheLog() throws Exception {
        Process process = launch("--host", "127.0.0.1", "--port", "0", "--log-format", "json");
        BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Matcher listening = null;
        Matcher devKey = null;
        for (String line; devKey == null && (line = out.readLine()) != null; ) {
            Matcher url = LISTENING.matcher(line);
            if (url.matches()) {
                listening = url;
            }
            Matcher key = keyFrom(line);
            if (key != null) {
                devKey = key;
            }
        }
        assertThat(listening).as("the URL line").isNotNull();
        assertThat(devKey).as("the dev key line").isNotNull();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // The process ended; what it wrote before is in lines.
            }
        });
        reader.start();
        String base = "http://127.0.0.1:" + listening.group(1);
        String guessed = "sk_dev_guessedButWrong0123456789";
        HttpClient client = HttpClient.newHttpClient();
        for (String key : List.of(devKey.group(1), guessed, "key_123")) {
            client.send(HttpRequest.newBuilder(URI.create(base + "/invocations"))
                            .header("Content-Type", "application/json")
                            .header("X-API-Key", key)
                            .header("Authorization", "Bearer " + key)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                            .build(), HttpResponse.BodyHandlers.ofString());
        }
        String metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        // Destroying the process closes its pipes: first wait until every access line is read.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                List.copyOf(lines).stream().filter(line -> line.contains("io.gatehouse.access"))
                        .count() >= 4);
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(30_000);

        com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> access = new ArrayList<>();
        for (String line : List.copyOf(lines)) {
            if (!line.startsWith("{")) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
            if ("io.gatehouse.access".equals(event.path("loggerName").asText())) {
                access.add(event);
            }
        }
        assertThat(access).hasSizeGreaterThanOrEqualTo(4);
        assertThat(access).anySatisfy(event -> {
            assertThat(event.at("/mdc/trace_id").asText()).matches("[0-9a-f]{32}");
            assertThat(event.toString()).contains("\"route\":\"invocations\"")
                    .contains("\"status\"").contains("401").contains("INVALID_API_KEY");
        });
        assertThat(access).anySatisfy(event -> assertThat(event.toString())
                .contains("\"principal\":\"developer\"").contains("\"tier\":\"premium\""));
        for (String secret : List.of(devKey.group(1), guessed, "key_123")) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
            assertThat(metrics).doesNotContain(secret);
        }
        assertThat(metrics).contains("gateway_requests_total");
    }
}
