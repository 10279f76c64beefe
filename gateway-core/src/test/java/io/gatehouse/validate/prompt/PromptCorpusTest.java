package io.gatehouse.validate.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Measures the injection heuristic at its default threshold on the prompts shipped in
 * {@code prompts/benign.txt} and {@code prompts/attacks.txt}, prints the rejection rates, and
 * bounds them: false positives on benign prompts and misses on attacks.
 */
class PromptCorpusTest {

    private static List<String> prompts(String resource) throws IOException {
        try (InputStream in = PromptCorpusTest.class.getResourceAsStream("/prompts/" + resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .toList();
        }
    }

    private static List<String> rejected(List<String> prompts) {
        return prompts.stream()
                .filter(prompt -> PromptGuard.injectionScore(prompt)
                        >= PromptGuard.DEFAULT_THRESHOLD)
                .toList();
    }

    @Test
    void benignPromptsAreAlmostNeverRejected() throws IOException {
        List<String> benign = prompts("benign.txt");
        List<String> falsePositives = rejected(benign);

        System.out.printf("prompt guard: %d of %d benign prompts rejected (%.1f%%): %s%n",
                falsePositives.size(), benign.size(),
                100.0 * falsePositives.size() / benign.size(), falsePositives);
        assertThat(benign).hasSizeGreaterThanOrEqualTo(50);
        assertThat((double) falsePositives.size() / benign.size()).isLessThanOrEqualTo(0.02);
    }

    @Test
    void attackPromptsAreAlmostAlwaysRejected() throws IOException {
        List<String> attacks = prompts("attacks.txt");
        List<String> caught = rejected(attacks);
        List<String> missed = attacks.stream().filter(prompt -> !caught.contains(prompt))
                .toList();

        System.out.printf("prompt guard: %d of %d attack prompts rejected (%.1f%%); missed: %s%n",
                caught.size(), attacks.size(), 100.0 * caught.size() / attacks.size(), missed);
        assertThat(attacks).hasSizeGreaterThanOrEqualTo(50);
        assertThat((double) caught.size() / attacks.size()).isGreaterThanOrEqualTo(0.90);
    }
}
