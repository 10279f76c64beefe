package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.route.Router;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The example's YAML file describes the gateway {@link ExampleSetup} builds in Java. */
class ExampleConfigFileTest {

    private static GatewayConfig exampleFile() throws Exception {
        try (InputStream in = ExampleConfigFileTest.class.getResourceAsStream(
                "/gatehouse-example.yaml")) {
            assertThat(in).as("gatehouse-example.yaml on the class path").isNotNull();
            return GatewayConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    name -> null);
        }
    }

    private static Route found(Router router, String method, String path) {
        RouteMatch match = router.match(method, path);
        assertThat(match).isInstanceOf(RouteMatch.Found.class);
        return ((RouteMatch.Found) match).route();
    }

    @Test
    void tiersEqualThoseOfTheJavaSetup() throws Exception {
        assertThat(exampleFile().tiers()).isEqualTo(ExampleSetup.tiers());
    }

    @ParameterizedTest
    @CsvSource({"POST, /invocations", "GET, /health"})
    void routesEqualThoseOfTheJavaSetup(String method, String path) throws Exception {
        Route fromFile = found(exampleFile().router(), method, path);
        Route fromCode = found(ExampleSetup.routes(), method, path);

        assertThat(fromFile.id()).isEqualTo(fromCode.id());
        assertThat(fromFile.methods()).isEqualTo(fromCode.methods());
        assertThat(fromFile.pattern().toString()).isEqualTo(fromCode.pattern().toString());
        assertThat(fromFile.publicAccess()).isEqualTo(fromCode.publicAccess());
        assertThat(fromFile.requiredRoles()).isEqualTo(fromCode.requiredRoles());
        assertThat(fromFile.maxBodyBytes()).isEqualTo(fromCode.maxBodyBytes());
        assertThat(fromFile.cost()).isEqualTo(fromCode.cost());
        assertThat(fromFile.limits()).isEqualTo(fromCode.limits());
        assertThat(fromFile.validators()).extracting(Object::getClass)
                .isEqualTo(fromCode.validators().stream().map(Object::getClass).toList());
    }

    @Test
    void demoTenantsKeysAreConfiguredByHashForTheirOwnersAndTiers() throws Exception {
        InMemoryApiKeyStore store = new InMemoryApiKeyStore();
        exampleFile().authenticator(store);

        assertThat(store.list()).hasSize(ExampleSetup.DEMO_TENANTS.size());
        for (ExampleSetup.DemoTenant tenant : ExampleSetup.DEMO_TENANTS) {
            ApiKeyRecord record = store.findByHash(KeyHasher.sha256().hash(tenant.apiKey()))
                    .orElseThrow();
            assertThat(record.principalId()).isEqualTo(tenant.principal());
            assertThat(record.tier()).isEqualTo(tenant.tier());
        }
    }
}
