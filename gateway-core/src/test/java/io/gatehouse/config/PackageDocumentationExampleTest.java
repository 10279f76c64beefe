package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The annotated example of the package documentation is a valid file and means what it says. */
class PackageDocumentationExampleTest {

    private static String documentedExample() throws Exception {
        String source = Files.readString(
                Path.of("src/main/java/io/gatehouse/config/package-info.java"),
                StandardCharsets.UTF_8);
        String block = source.substring(source.indexOf("<pre>{@code\n") + 12,
                source.lastIndexOf(" * }</pre>"));
        return block.lines()
                .map(line -> line.startsWith(" * ") ? line.substring(3) : "")
                .collect(Collectors.joining("\n"));
    }

    @Test
    void documentedExampleLoadsIntoTheObjectsItDescribes(@TempDir Path directory)
            throws Exception {
        String bobKey = "key_bob_from_the_environment";
        Path partnerKey = Files.writeString(directory.resolve("partner-2.pem"),
                "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                        KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()
                                .getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
        GatewayConfig config = GatewayConfig.parse(documentedExample(), Map.of(
                "BOB_API_KEY", bobKey, "PREMIUM_PER_HOUR", "250",
                "PARTNER_1_SECRET", "a-partner-secret-of-32-bytes-or-more",
                "PARTNER_2_KEY", partnerKey.toString())::get);

        assertThat(config.routes()).hasSize(2);
        assertThat(config.routes().get(0).limits()).containsExactly(
                LimitRule.builder("route-total", LimitAlgorithm.FIXED_WINDOW)
                        .limit(10_000, Duration.ofMinutes(1))
                        .scope(io.gatehouse.limit.KeyScope.GLOBAL).build());
        assertThat(config.tiers()).extracting(Tier::name)
                .containsExactly("free", "premium", "enterprise");
        assertThat(config.tiers().get(1).limits()).containsExactly(
                LimitRule.slidingLog("per-hour", 250, Duration.ofHours(1)),
                LimitRule.builder("per-month", LimitAlgorithm.FIXED_WINDOW)
                        .calendar(50_000, ChronoUnit.MONTHS, ZoneId.of("Europe/Berlin")).build(),
                LimitRule.concurrency("in-flight", 5, Duration.ofMinutes(10)));
        assertThat(config.unknownTier()).contains("free");
        assertThat(config.jwtIssuers()).singleElement().satisfies(issuer -> {
            assertThat(issuer.issuer()).isEqualTo("https://login.example.com/");
            assertThat(issuer.type()).isEqualTo("at+jwt");
        });
        assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8");
        assertThat(config.sectionNames()).isEmpty();

        InMemoryApiKeyStore store = new InMemoryApiKeyStore();
        config.authenticator(store);
        assertThat(store.list()).extracting(ApiKeyRecord::keyId)
                .containsExactly("kid_alice", "kid_bob");
        assertThat(store.findById("kid_alice").orElseThrow().hash())
                .isEqualTo(KeyHasher.sha256().hash("key_123"));
        assertThat(store.findById("kid_bob").orElseThrow().hash())
                .isEqualTo(KeyHasher.sha256().hash(bobKey));
    }
}
