package io.gatehouse.examples;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The container and Kubernetes files of the repository, read the way Docker and kubectl read
 * them, far enough for tests: the Dockerfile's instructions per stage, YAML as trees.
 */
final class DeploymentFiles {

    static final Path ROOT = MarkdownFiles.ROOT;
    static final Path KUBERNETES = ROOT.resolve("deploy").resolve("kubernetes");

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DeploymentFiles() {
    }

    /** One Dockerfile instruction: its keyword in upper case and the rest of its line. */
    record Instruction(String keyword, String arguments) {

        /** The arguments in exec form, a JSON array of strings. */
        List<String> execForm() {
            try {
                return JSON.readValue(arguments, new TypeReference<List<String>>() { });
            } catch (IOException e) {
                throw new IllegalStateException(keyword + " is not in exec form: " + arguments,
                        e);
            }
        }
    }

    /**
     * The Dockerfile's stages in order, each its instructions from its {@code FROM} on, with
     * comments dropped and continuation lines joined.
     */
    static List<List<Instruction>> dockerfileStages() throws IOException {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed.substring(0, trimmed.length() - 1).stripTrailing())
                        .append(' ');
                continue;
            }
            current.append(trimmed);
            logical.add(current.toString().strip());
            current.setLength(0);
        }
        List<List<Instruction>> stages = new ArrayList<>();
        for (String line : logical) {
            int space = line.indexOf(' ');
            Instruction instruction = new Instruction(
                    line.substring(0, space).toUpperCase(Locale.ROOT),
                    line.substring(space + 1).strip());
            if (instruction.keyword().equals("FROM")) {
                stages.add(new ArrayList<>());
            }
            stages.get(stages.size() - 1).add(instruction);
        }
        return stages;
    }

    /** The only instruction {@code keyword} of a stage. */
    static Instruction only(List<Instruction> stage, String keyword) {
        List<Instruction> found = stage.stream()
                .filter(instruction -> instruction.keyword().equals(keyword)).toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + keyword + ", found " + found);
        }
        return found.get(0);
    }

    /** Every YAML document of a file (a file may hold several, separated by {@code ---}). */
    static List<JsonNode> yamlDocuments(Path file) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            List<JsonNode> documents = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(documents::add);
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not valid YAML", e);
        }
    }

    /** The one YAML document of a file. */
    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        if (documents.size() != 1) {
            throw new IllegalStateException(file + " holds " + documents.size() + " documents");
        }
        return documents.get(0);
    }

    /** The Kubernetes manifest of {@code kind} in deploy/kubernetes (exactly one). */
    static JsonNode manifest(String kind) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (Path file : kubernetesFiles()) {
            for (JsonNode document : yamlDocuments(file)) {
                if (kind.equals(document.path("kind").asText())) {
                    found.add(document);
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The YAML files of deploy/kubernetes, sorted. */
    static List<Path> kubernetesFiles() throws IOException {
        try (var files = Files.list(KUBERNETES)) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** The strings of a YAML sequence. */
    static List<String> strings(JsonNode sequence) {
        List<String> values = new ArrayList<>();
        sequence.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** The value following {@code option} in a command line. */
    static String optionValue(List<String> command, String option) {
        int at = command.indexOf(option);
        if (at < 0 || at + 1 >= command.size()) {
            throw new IllegalStateException(option + " is not given a value in " + command);
        }
        return command.get(at + 1);
    }

    /** The command line with the value following {@code option} replaced. */
    static List<String> withOption(List<String> command, String option, String value) {
        List<String> changed = new ArrayList<>(command);
        changed.set(changed.indexOf(option) + 1, value);
        return changed;
    }
}
