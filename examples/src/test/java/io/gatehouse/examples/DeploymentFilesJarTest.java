package io.gatehouse.examples;

import static io.gatehouse.examples.DeploymentFiles.manifest;
import static io.gatehouse.examples.DeploymentFiles.only;
import static io.gatehouse.examples.DeploymentFiles.optionValue;
import static io.gatehouse.examples.DeploymentFiles.strings;
import static io.gatehouse.examples.DeploymentFiles.withOption;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.examples.DeploymentFiles.Instruction;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the command lines of the container files against the jar the build packaged, the way
 * the container would run them: the Dockerfile's {@code ENTRYPOINT} and {@code CMD}, its
 * {@code HEALTHCHECK}, the Kubernetes container's arguments and the compose gateway's command.
 * Only three things are replaced: {@code java} by this JVM's launcher, the image's jar path by
 * examples/target/gateway-examples.jar, and the listening port by 0 (a free one), since tests
 * share the machine. The Redis URL of the Kubernetes and compose files points at a real
 * {@code redis-server} on loopback.
 *
 * <p>Tagged {@code packaged-jar}: Maven runs it after {@code package}, in the
 * {@code integration-test} phase (see examples/pom.xml), so the jar exists.
 */
@Tag("packaged-jar")
class DeploymentFilesJarTest {

    private static final Path JAR = MarkdownFiles.ROOT.resolve(
            "examples/target/gateway-examples.jar");
    private static final Pattern LISTENING = Pattern.compile(
            "Gatehouse example gateway listening on http://[^:/]+:(\\d+)");
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theImagesEntrypointRunsTheJarAndItsHealthcheckPassesOnlyWhileItRuns(
            @TempDir Path work) throws Exception {
        List<Instruction> image = DeploymentFiles.dockerfileStages().get(1);
        List<String> cmd = only(image, "CMD").execForm();
        String containerPort = optionValue(cmd, "--port");
        String healthcheck = only(image, "HEALTHCHECK").arguments();
        List<String> probe = new Instruction("CMD", healthcheck.substring(
                healthcheck.indexOf('['))).execForm();

        try (Gateway gateway = Gateway.start(imageCommand(withOption(cmd, "--port", "0")),
                work)) {
            assertThat(get(gateway.port(), "/health/live").statusCode()).isEqualTo(200);
            assertThat(runHealthcheck(probe, containerPort, gateway.port())).isZero();
            gateway.stop();
            assertThat(runHealthcheck(probe, containerPort, gateway.port())).isNotZero();
        }
    }

    @Test
    void theKubernetesContainerArgumentsRunTheJarAndEveryProbeAnswers(@TempDir Path work)
            throws Exception {
        JsonNode container = manifest("Deployment").path("spec").path("template")
                .path("spec").path("containers").get(0);
        assertThat(container.has("command")).as("the image's entrypoint is used").isFalse();
        List<String> args = strings(container.path("args"));
        try (RedisProcess redis = RedisProcess.start(work.resolve("redis"))) {
            List<String> resolved = new ArrayList<>();
            for (String arg : args) {
                resolved.add(arg.replace("$(REDIS_URL)", redis.url()));
            }
            try (Gateway gateway = Gateway.start(imageCommand(
                    withOption(resolved, "--port", "0")), work)) {
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    String path = container.path(probe).path("httpGet").path("path").asText();
                    HttpResponse<String> answer = get(gateway.port(), path);
                    assertThat(answer.statusCode()).as(probe + " " + path).isEqualTo(200);
                }
                assertThat(get(gateway.port(), "/health").body()).contains("\"redis\":\"up\"");
            }
        }
    }

    @Test
    void theComposeGatewayCommandRunsTheJarAgainstRedis(@TempDir Path work) throws Exception {
        JsonNode gatewayService = DeploymentFiles.yaml(MarkdownFiles.ROOT.resolve(
                "docker-compose.yml")).path("services").path("gateway");
        List<String> command = strings(gatewayService.path("command"));
        try (RedisProcess redis = RedisProcess.start(work.resolve("redis"))) {
            List<String> local = withOption(withOption(command, "--redis-url", redis.url()),
                    "--port", "0");
            try (Gateway gateway = Gateway.start(imageCommand(local), work)) {
                assertThat(get(gateway.port(), "/health/ready").statusCode()).isEqualTo(200);
                assertThat(get(gateway.port(), "/health").body()).contains("\"redis\":\"up\"");
            }
        }
    }

    /** The image's ENTRYPOINT followed by {@code arguments}, on this machine. */
    private static List<String> imageCommand(List<String> arguments) throws IOException {
        assertThat(JAR).as("the packaged jar (run after mvn package)").exists();
        List<Instruction> image = DeploymentFiles.dockerfileStages().get(1);
        String imageJar = only(image, "COPY").arguments().split(" ")[2];
        List<String> command = new ArrayList<>();
        for (String part : only(image, "ENTRYPOINT").execForm()) {
            if (part.equals("java")) {
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            } else {
                command.add(part.equals(imageJar) ? JAR.toString() : part);
            }
        }
        assertThat(command).contains(JAR.toString());
        command.addAll(arguments);
        return command;
    }

    private static int runHealthcheck(List<String> probe, String containerPort, int port)
            throws IOException, InterruptedException {
        List<String> local = new ArrayList<>(probe);
        local.set(2, probe.get(2).replace("/dev/tcp/127.0.0.1/" + containerPort + " ",
                "/dev/tcp/127.0.0.1/" + port + " "));
        Process process = new ProcessBuilder(local).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("healthcheck exits").isTrue();
        return process.exitValue();
    }

    private static HttpResponse<String> get(int port, String path)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The jar running as a child process, its output in a file. */
    private static final class Gateway implements AutoCloseable {
        private final Process process;
        private final Path log;
        private int port;

        private Gateway(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Gateway start(List<String> command, Path work)
                throws IOException, InterruptedException {
            Path log = Files.createTempFile(work, "gateway", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            // Output is not a terminal, so the generated keys go to a file: in here, not home.
            builder.environment().put("GATEHOUSE_KEYS_DIR", work.toString());
            Gateway gateway = new Gateway(builder.start(), log);
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                        .until(() -> gateway.listening() || !gateway.process.isAlive());
                assertThat(gateway.port).as("started: %s", Files.readString(log)).isPositive();
            } catch (RuntimeException | AssertionError e) {
                gateway.close();
                throw e;
            }
            return gateway;
        }

        private boolean listening() throws IOException {
            Matcher matcher = LISTENING.matcher(Files.readString(log));
            if (matcher.find()) {
                port = Integer.parseInt(matcher.group(1));
            }
            return port > 0;
        }

        int port() {
            return port;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
