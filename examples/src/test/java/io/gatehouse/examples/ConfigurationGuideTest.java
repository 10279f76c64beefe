package io.gatehouse.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.PlainExchange;
import io.gatehouse.config.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The short configuration file of docs/configuration.md loads, and means what the guide says:
 * the hash it lists is bob's demo key {@code key_456}, on a free tier of 10 requests an hour.
 */
class ConfigurationGuideTest {

    @Test
    void theGuidesShortFileLoadsAndAdmitsBobUntilHisHourIsUsedUp() throws IOException {
        String guide = Files.readString(MarkdownFiles.ROOT.resolve("docs/configuration.md"));
        List<String> files = new ArrayList<>();
        Matcher block = Pattern.compile("```yaml\\n(routes:.*?)\\n```", Pattern.DOTALL)
                .matcher(guide);
        while (block.find()) {
            files.add(block.group(1));
        }
        assertThat(files).hasSize(1);
        Gateway gateway = GatewayConfig.parse(files.get(0), name -> null).gatewayBuilder().build();

        for (int i = 1; i <= 10; i++) {
            assertThat(invoke(gateway, "key_456")).as("request " + i)
                    .isInstanceOf(Admission.Admitted.class);
        }
        Admission eleventh = invoke(gateway, "key_456");
        assertThat(eleventh).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) eleventh).problem().status()).isEqualTo(429);
        Admission unknown = invoke(gateway, "key_123");
        assertThat(((Admission.Rejected) unknown).problem().status()).isEqualTo(401);
    }

    private static Admission invoke(Gateway gateway, String apiKey) {
        Admission admission = gateway.admit(PlainExchange.builder("POST",
                        URI.create("/invocations"))
                .header("X-API-Key", apiKey)
                .header("Content-Type", "application/json")
                .body("{\"prompt\":\"hi\"}".getBytes(UTF_8))
                .build());
        if (admission instanceof Admission.Admitted admitted) {
            admitted.grant().complete(new Outcome(200, -1));
        }
        return admission;
    }
}
