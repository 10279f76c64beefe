package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.upstream.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The example's one configuration file, {@code examples/gatehouse.yaml}: built into the jar,
 * usable with the servlet filter as it is, and its errors name the line and the field.
 */
class ExampleConfigFileTest {

    @TempDir
    Path directory;

    private static final Map<String, String> ENV = Map.of("INFERENCE_API_KEY", "k",
            "AGENT_SERVICE_URL", "http://127.0.0.1:1", "INFERENCE_SERVICE_URL",
            "http://127.0.0.1:2");

    private static GatewayConfig exampleFile() {
        return GatewayConfig.parse(ExampleConfig.builtInText(), ENV::get);
    }

    private static Route found(String method, String path) {
        RouteMatch match = exampleFile().router().match(method, path);
        assertThat(match).as(method + " " + path).isInstanceOf(RouteMatch.Found.class);
        return ((RouteMatch.Found) match).route();
    }

    @Test
    void theBuiltInFileIsTheOneBesideThePom() throws Exception {
        assertThat(ExampleConfig.builtInText())
                .isEqualTo(Files.readString(Path.of("gatehouse.yaml")));
    }

    @Test
    void tiersEqualThoseOfTheJavaSetup() {
        assertThat(exampleFile().tiers()).isEqualTo(ExampleSetup.tiers());
    }

    @ParameterizedTest
    @CsvSource({
        "POST, /invocations, invocations, agent",
        "POST, /agent/execute, agent-execute, agent",
        "POST, /agent/feedback, agent-feedback, agent",
        "POST, /v1/embed, embed, inference",
        "GET, /api/agent/health, api-agent, agent",
        "POST, /api/inference/v1/embed, api-inference, inference",
        "POST, /api/v1/rd/execute, engineering-rd, rd"})
    void everySeedEndpointIsForwardedToItsService(String method, String path, String id,
            String service) {
        Route route = found(method, path);
        assertThat(route.id()).isEqualTo(id);
        assertThat(route.target()).isInstanceOf(Target.Upstream.class);
        assertThat(((Target.Upstream) route.target()).service()).isEqualTo(service);
        assertThat(route.publicAccess()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"/", "/health", "/health/live", "/health/ready", "/ready", "/metrics"})
    void informationHealthAndMetricsAreServedByTheGatewayItself(String path) {
        Route route = found("GET", path);
        assertThat(route.publicAccess()).isTrue();
        assertThat(route.target()).isNotInstanceOf(Target.Upstream.class);
    }

    @Test
    void theEngineeringRouteHasItsPermissionLimitAndTimeout() {
        Route route = found("POST", "/api/v1/rd/execute");
        assertThat(route.requiredPermissions()).containsExactly(ExampleSetup.RD_PERMISSION);
        assertThat(route.limits()).hasSize(1);
        LimitRule burst = route.limits().get(0);
        assertThat(burst.name()).isEqualTo("rd-burst");
        assertThat(burst.limit()).isEqualTo(10);
        assertThat(burst.burst()).isEqualTo(5);
        Target.Upstream target = (Target.Upstream) route.target();
        assertThat(target.routeTimeouts().orElseThrow().total())
                .isEqualTo(Duration.ofSeconds(30));
        var rd = exampleFile().services().stream()
                .filter(service -> service.name().equals("rd")).findFirst().orElseThrow();
        assertThat(rd.retry().maxAttempts()).isEqualTo(3);
        assertThat(rd.breaker().enabled()).isTrue();
    }

    @Test
    void theUpstreamKeyComesFromTheEnvironmentAndIsNeverInTheFile() {
        var inference = exampleFile().services().stream()
                .filter(service -> service.name().equals("inference")).findFirst()
                .orElseThrow();
        assertThat(inference.credential().orElseThrow().value()).isEqualTo("Bearer k");
        assertThatThrownBy(() -> GatewayConfig.parse(ExampleConfig.builtInText(),
                name -> null)).isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining("INFERENCE_API_KEY");
    }

    @Test
    void demoTenantsKeysAreConfiguredByHashForTheirOwnersAndTiers() {
        InMemoryApiKeyStore store = new InMemoryApiKeyStore();
        exampleFile().authenticator(store);

        assertThat(store.list()).hasSize(ExampleSetup.DEMO_TENANTS.size());
        for (ExampleSetup.DemoTenant tenant : ExampleSetup.DEMO_TENANTS) {
            ApiKeyRecord record = store.findByHash(KeyHasher.sha256().hash(tenant.apiKey()))
                    .orElseThrow();
            assertThat(record.principalId()).isEqualTo(tenant.principal());
            assertThat(record.tier()).isEqualTo(tenant.tier());
            assertThat(record.permissions()).containsExactlyInAnyOrder(tenant.permissions());
        }
    }

    @Test
    void aBadValueIsReportedWithItsFileLineAndField() throws Exception {
        Path file = directory.resolve("bad.yaml");
        Files.writeString(file, """
                routes:
                  - id: one
                    path: /one
                    public: true
                  - id: two
                    path: /two
                    service: nowhere
                tiers:
                  free:
                    - {name: per-hour, limit: 10, period: 5x}
                """);
        assertThatThrownBy(() -> ExampleConfig.load(file, name -> null,
                ExampleConfig.Overrides.NONE))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage(file + " line 7: routes[1].service: 'nowhere' is not defined under "
                        + "services; services are []");
        Files.writeString(file, """
                routes:
                  - id: one
                    path: /one
                    public: true
                tiers:
                  free:
                    - {name: per-hour, limit: 10, period: 5x}
                """);
        assertThatThrownBy(() -> ExampleConfig.load(file, name -> null,
                ExampleConfig.Overrides.NONE))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageStartingWith(file + " line 7: tiers.free[0].period: '5x'");
    }

    @Test
    void variablesAreSubstitutedWithTheirDefaults() throws Exception {
        Path file = directory.resolve("env.yaml");
        Files.writeString(file, """
                routes:
                  - id: one
                    path: /one
                    public: true
                tiers:
                  free:
                    - {name: per-hour, algorithm: sliding_log, limit: "${FREE_PER_HOUR:-7}",
                       period: 1h}
                """);
        assertThat(ExampleConfig.load(file, name -> null, ExampleConfig.Overrides.NONE)
                .tiers().get(0).limits().get(0).limit()).isEqualTo(7);
        assertThat(ExampleConfig.load(file, Map.of("FREE_PER_HOUR", "12")::get,
                ExampleConfig.Overrides.NONE).tiers().get(0).limits().get(0).limit())
                .isEqualTo(12);
    }

    @Test
    void rateLimitOverridesSetThePerHourLimitAndAddAPerMinuteWindow() {
        ExampleConfig config = ExampleConfig.load(null, ENV::get,
                new ExampleConfig.Overrides(5L, 50L, null, null, null, null, null));
        for (Tier tier : config.tiers()) {
            assertThat(tier.limits()).extracting(LimitRule::name)
                    .containsExactly("per-hour", "per-minute");
            assertThat(tier.limits()).extracting(LimitRule::limit).containsExactly(50L, 5L);
            assertThat(tier.limits().get(1).period()).isEqualTo(Duration.ofMinutes(1));
        }
        assertThat(config.tiers()).extracting(Tier::name)
                .isEqualTo(List.of("free", "premium", "enterprise"));
    }
}
