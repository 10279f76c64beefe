package io.gatehouse.examples;

import static io.gatehouse.examples.DeploymentFiles.manifest;
import static io.gatehouse.examples.DeploymentFiles.only;
import static io.gatehouse.examples.DeploymentFiles.optionValue;
import static io.gatehouse.examples.DeploymentFiles.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.examples.DeploymentFiles.Instruction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile, docker-compose.yml and deploy/kubernetes, checked without Docker or a
 * cluster: they parse, and every port, path, name and key one of them refers to exists where it
 * points. {@link DeploymentFilesJarTest} runs their command lines against the built jar.
 */
class DeploymentFilesTest {

    @Test
    void dockerfileBuildsWithTheWrapperAndRunsTheJarAsNonRootOnAJre() throws IOException {
        List<List<Instruction>> stages = DeploymentFiles.dockerfileStages();
        assertThat(stages).hasSize(2);
        List<Instruction> build = stages.get(0);
        List<Instruction> run = stages.get(1);

        assertThat(build.get(0).arguments()).matches("eclipse-temurin:17-jdk AS build");
        String buildCommand = only(build, "RUN").arguments();
        assertThat(buildCommand).contains("./mvnw -B -q -pl examples -am -DskipTests package",
                "cp examples/target/gateway-examples.jar /gateway-examples.jar");
        assertThat(Files.readString(DeploymentFiles.ROOT.resolve("examples/pom.xml")))
                .contains("<finalName>gateway-examples</finalName>");
        // Every module of the reactor is in the build context, or Maven refuses the parent.
        Set<String> copied = new TreeSet<>();
        for (Instruction copy : build) {
            if (copy.keyword().equals("COPY")) {
                copied.add(copy.arguments().split(" ")[0].replaceFirst("/.*", ""));
            }
        }
        Matcher module = Pattern.compile("<module>([^<]+)</module>")
                .matcher(Files.readString(DeploymentFiles.ROOT.resolve("pom.xml")));
        List<String> modules = new ArrayList<>();
        while (module.find()) {
            modules.add(module.group(1));
        }
        assertThat(modules).contains("examples", "gateway-core");
        assertThat(copied).contains(".mvn", "mvnw").containsAll(modules);

        assertThat(run.get(0).arguments()).isEqualTo("eclipse-temurin:17-jre");
        assertThat(only(run, "RUN").arguments()).contains("--uid 10001", "--gid 10001");
        assertThat(only(run, "USER").arguments()).isEqualTo("10001:10001");
        assertThat(only(run, "COPY").arguments()).isEqualTo(
                "--from=build /gateway-examples.jar /opt/gatehouse/gateway-examples.jar");
        assertThat(only(run, "ENTRYPOINT").execForm()).containsExactly("java",
                "-XX:MaxRAMPercentage=75", "-jar", "/opt/gatehouse/gateway-examples.jar");
        List<String> cmd = only(run, "CMD").execForm();
        assertThat(optionValue(cmd, "--host")).isEqualTo("0.0.0.0");
        String port = optionValue(cmd, "--port");
        assertThat(only(run, "EXPOSE").arguments()).isEqualTo(port);

        String healthcheck = only(run, "HEALTHCHECK").arguments();
        assertThat(healthcheck).startsWith("--interval=10s --timeout=3s --start-period=30s"
                + " --retries=3 CMD [");
        List<String> probe = new Instruction("CMD", healthcheck.substring(
                healthcheck.indexOf('['))).execForm();
        assertThat(probe.subList(0, 2)).containsExactly("bash", "-c");
        assertThat(probe.get(2)).contains("/dev/tcp/127.0.0.1/" + port + " ",
                "GET /health/live HTTP/1.1");

        assertThat(Files.readAllLines(DeploymentFiles.ROOT.resolve(".dockerignore")))
                .contains("**/target/", ".git/");
    }

    @Test
    void composeWiresTheGatewayToRedisAndToTheDemoServices() {
        JsonNode services = DeploymentFiles.yaml(DeploymentFiles.ROOT.resolve(
                "docker-compose.yml")).path("services");
        assertThat(services.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("redis", "agent", "embedding", "gateway");
        for (String service : List.of("agent", "embedding", "gateway")) {
            assertThat(services.path(service).path("build").asText()).isEqualTo(".");
            assertThat(services.path(service).path("image").asText()).isEqualTo("gatehouse:local");
        }

        List<String> agent = strings(services.path("agent").path("command"));
        List<String> embedding = strings(services.path("embedding").path("command"));
        List<String> gateway = strings(services.path("gateway").path("command"));
        assertThat(agent.get(0)).isEqualTo("agent-service");
        assertThat(embedding.get(0)).isEqualTo("embedding-service");
        for (List<String> command : List.of(agent, embedding, gateway)) {
            assertThat(optionValue(command, "--host")).isEqualTo("0.0.0.0");
        }
        JsonNode environment = services.path("gateway").path("environment");
        assertThat(environment.path("AGENT_SERVICE_URL").asText())
                .isEqualTo("http://agent:" + optionValue(agent, "--port"));
        assertThat(environment.path("INFERENCE_SERVICE_URL").asText())
                .isEqualTo("http://embedding:" + optionValue(embedding, "--port"));
        // The gateway presents the key the embedding service accepts.
        assertThat(environment.path("INFERENCE_API_KEY").asText()).isEqualTo(services
                .path("embedding").path("environment").path("INFERENCE_API_KEY").asText());

        // Redis listens on its default port, under its service name.
        assertThat(strings(services.path("redis").path("command"))).doesNotContain("--port");
        assertThat(optionValue(gateway, "--redis-url")).isEqualTo("redis://redis:6379");
        assertThat(services.path("gateway").path("depends_on").path("redis")
                .path("condition").asText()).isEqualTo("service_healthy");

        // Published on the host's loopback only, to the port the gateway listens on.
        assertThat(strings(services.path("gateway").path("ports")))
                .containsExactly("127.0.0.1:8080:" + optionValue(gateway, "--port"));
    }

    @Test
    void kubernetesManifestsParseAndReferenceOnlyWhatExists() throws IOException {
        List<String> kinds = new ArrayList<>();
        for (Path file : DeploymentFiles.kubernetesFiles()) {
            for (JsonNode document : DeploymentFiles.yamlDocuments(file)) {
                assertThat(document.path("apiVersion").asText()).as(file.toString()).isNotEmpty();
                assertThat(document.path("kind").asText()).as(file.toString()).isNotEmpty();
                kinds.add(document.path("kind").asText());
                if (!document.path("kind").asText().equals("Kustomization")) {
                    assertThat(document.path("metadata").path("name").asText())
                            .as(file.toString()).isEqualTo("gatehouse");
                }
            }
        }
        assertThat(kinds).containsExactlyInAnyOrder("ConfigMap", "Secret", "Deployment",
                "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Kustomization");
        JsonNode kustomization = manifest("Kustomization");
        for (String resource : strings(kustomization.path("resources"))) {
            assertThat(DeploymentFiles.KUBERNETES.resolve(resource)).exists();
        }
        assertThat(strings(kustomization.path("resources"))).containsExactlyInAnyOrder(
                "configmap.yaml", "secret.yaml", "deployment.yaml", "service.yaml",
                "poddisruptionbudget.yaml");

        JsonNode deployment = manifest("Deployment");
        JsonNode labels = deployment.path("spec").path("template").path("metadata")
                .path("labels");
        JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
        assertThat(selector).isNotEmpty();
        selector.fields().forEachRemaining(label ->
                assertThat(labels.path(label.getKey())).isEqualTo(label.getValue()));
        assertThat(manifest("Service").path("spec").path("selector")).isEqualTo(selector);
        assertThat(manifest("PodDisruptionBudget").path("spec").path("selector")
                .path("matchLabels")).isEqualTo(selector);
        JsonNode target = manifest("HorizontalPodAutoscaler").path("spec")
                .path("scaleTargetRef");
        assertThat(target.path("kind").asText()).isEqualTo("Deployment");
        assertThat(target.path("name").asText()).isEqualTo("gatehouse");

        JsonNode pod = deployment.path("spec").path("template").path("spec");
        assertThat(pod.path("containers")).hasSize(1);
        JsonNode container = pod.path("containers").get(0);
        List<String> args = strings(container.path("args"));
        assertThat(optionValue(args, "--host")).isEqualTo("0.0.0.0");
        JsonNode port = container.path("ports").get(0);
        assertThat(port.path("name").asText()).isEqualTo("http");
        assertThat(port.path("containerPort").asText()).isEqualTo(optionValue(args, "--port"));
        assertThat(manifest("Service").path("spec").path("ports").get(0).path("targetPort")
                .asText()).isEqualTo("http");

        Map<String, String> probes = Map.of("startupProbe", "/health/live",
                "livenessProbe", "/health/live", "readinessProbe", "/health/ready");
        probes.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("path").asText()).as(probe).isEqualTo(path);
            assertThat(get.path("port").asText()).as(probe).isEqualTo("http");
        });
        assertThat(container.path("resources").path("requests").path("cpu").asText())
                .isNotEmpty();
        assertThat(container.path("resources").path("requests").path("memory").asText())
                .isNotEmpty();

        // The image's user, and a pod that may not run as root.
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asText())
                .isEqualTo(only(DeploymentFiles.dockerfileStages().get(1), "USER").arguments()
                        .split(":")[0]);

        // Every $(VAR) of the arguments is defined; every reference names what exists.
        JsonNode configMap = manifest("ConfigMap");
        JsonNode secret = manifest("Secret");
        Set<String> env = new TreeSet<>();
        for (JsonNode variable : container.path("env")) {
            env.add(variable.path("name").asText());
            JsonNode ref = variable.path("valueFrom").path("configMapKeyRef");
            assertThat(ref.path("name").asText()).isEqualTo("gatehouse");
            assertThat(configMap.path("data").has(ref.path("key").asText())).isTrue();
        }
        Matcher variable = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(String.join(" ", args));
        int variables = 0;
        while (variable.find()) {
            variables++;
            assertThat(env).contains(variable.group(1));
        }
        assertThat(variables).isEqualTo(1);
        assertThat(container.path("envFrom").get(0).path("secretRef").path("name").asText())
                .isEqualTo("gatehouse");
        assertThat(secret.path("stringData").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("GATEHOUSE_PEPPER", "JWT_SECRET", "JWKS_URL");
        // No secret is committed: applied as it is, the Secret turns nothing on.
        secret.path("stringData").forEach(value -> assertThat(value.asText()).isEmpty());
        Set<String> volumes = new TreeSet<>();
        for (JsonNode volume : pod.path("volumes")) {
            volumes.add(volume.path("name").asText());
            if (volume.has("configMap")) {
                assertThat(volume.path("configMap").path("name").asText()).isEqualTo("gatehouse");
                for (JsonNode item : volume.path("configMap").path("items")) {
                    assertThat(configMap.path("data").has(item.path("key").asText())).isTrue();
                }
            }
        }
        for (JsonNode mount : container.path("volumeMounts")) {
            assertThat(volumes).contains(mount.path("name").asText());
        }
    }

    @Test
    void theConfigMapsGatewayFileLoads() throws IOException {
        String yaml = manifest("ConfigMap").path("data").path("gatehouse.yaml").asText();
        assertThat(yaml).contains("${GATEHOUSE_PEPPER:-}");
        GatewayConfig config = GatewayConfig.parse(yaml, name -> null);
        assertThat(config.gatewayBuilder().build()).isNotNull();
    }

    @Test
    void kubernetesManifestsMatchTheKubernetesApiModel() throws IOException {
        int checked = 0;
        for (Path file : DeploymentFiles.kubernetesFiles()) {
            for (JsonNode document : DeploymentFiles.yamlDocuments(file)) {
                if (document.path("kind").asText().equals("Kustomization")) {
                    continue;
                }
                assertThat(KubernetesSchemaCheck.knows(document)).as(file.toString()).isTrue();
                assertThat(KubernetesSchemaCheck.problems(document)).as(file.toString())
                        .isEmpty();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void theSchemaCheckFindsMisspelledFieldsAndWrongTypes() throws IOException {
        JsonNode deployment = manifest("Deployment");
        String yaml = Files.readString(DeploymentFiles.KUBERNETES.resolve("deployment.yaml"));
        JsonNode misspelled = new ObjectMapper(new YAMLFactory()).readTree(
                yaml.replace("livenessProbe:", "livenesProbe:"));
        assertThat(KubernetesSchemaCheck.problems(deployment)).isEmpty();
        assertThat(KubernetesSchemaCheck.problems(misspelled)).containsExactly(
                "apps/v1/Deployment.spec.template.spec.containers[0]: unknown field(s)"
                        + " [livenesProbe]");
        JsonNode wrongType = new ObjectMapper(new YAMLFactory()).readTree(
                yaml.replace("replicas: 2", "replicas: two"));
        assertThatThrownBy(
                () -> KubernetesSchemaCheck.problems(wrongType))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
