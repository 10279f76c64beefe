package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Exchange;
import io.gatehouse.ForwardedHeader;
import io.gatehouse.Gateway;
import io.gatehouse.GatewayRequest;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

    private static final Function<String, String> NO_ENV = name -> null;

    private static final String FULL = """
            trusted_proxies: ["10.0.0.0/8", 192.168.1.1]
            routes:
              - id: invocations
                methods: [POST]
                path: /invocations
                roles: [agent-user]
                permissions: ["invocations:write"]
                max_body_bytes: ${MAX_BODY:-4096}
                cost: 3
                validate:
                  content_types: [application/json]
                  json:
                    max_depth: 8
                    required: {prompt: string, context: object}
              - id: health
                methods: GET
                path: /health
                public: true
            usage:
              free: {per_hour: "${FREE_PER_HOUR:-10}"}
            """;

    /** A request as an adapter would hand it over. */
    record TestExchange(String method, String rawPath, Map<String, String> headers, byte[] body)
            implements Exchange {
        @Override
        public String query() {
            return "";
        }

        @Override
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        @Override
        public List<String> headerValues(String name) {
            String value = header(name);
            return value == null ? List.of() : List.of(value);
        }

        @Override
        public Iterable<String> headerNames() {
            return headers.keySet();
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public long contentLength() {
            return body.length;
        }

        @Override
        public byte[] readBody(int maxBytes) {
            return body.length > maxBytes + 1
                    ? java.util.Arrays.copyOf(body, maxBytes + 1) : body.clone();
        }
    }

    @Test
    void everyRouteSettingBecomesTheCoreRoute() {
        GatewayConfig config = GatewayConfig.parse(FULL, NO_ENV);

        assertThat(config.routes()).extracting(Route::id).containsExactly("invocations", "health");
        Route invocations = config.routes().get(0);
        assertThat(invocations.methods()).containsExactly("POST");
        assertThat(invocations.publicAccess()).isFalse();
        assertThat(invocations.requiredRoles()).containsExactly("agent-user");
        assertThat(invocations.requiredPermissions()).containsExactly("invocations:write");
        assertThat(invocations.maxBodyBytes()).isEqualTo(4096);
        assertThat(invocations.cost()).isEqualTo(3);
        assertThat(invocations.validators()).hasSize(2);
        assertThat(invocations.validators().get(0)).isInstanceOf(ContentTypeValidator.class);
        assertThat(invocations.validators().get(1)).isInstanceOf(JsonBodyValidator.class);
        Route health = config.routes().get(1);
        assertThat(health.methods()).containsExactly("GET");
        assertThat(health.publicAccess()).isTrue();
        assertThat(health.maxBodyBytes()).isEqualTo(Route.DEFAULT_MAX_BODY_BYTES);
        assertThat(health.cost()).isEqualTo(1);
        assertThat(health.validators()).isEmpty();
        assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8", "192.168.1.1");
        assertThat(config.router().match("GET", "/health")).isInstanceOf(RouteMatch.Found.class);
        assertThat(config.router().match("DELETE", "/health"))
                .isInstanceOf(RouteMatch.MethodNotAllowed.class);
    }

    @Test
    void gatewayBuiltFromTheFileEnforcesItsValidators() {
        Gateway gateway = GatewayConfig.parse(FULL, NO_ENV).gatewayBuilder().build();

        Admission health = gateway.admit(new TestExchange("GET", "/health", Map.of(),
                new byte[0]));
        Admission invocation = gateway.admit(new TestExchange("POST", "/invocations",
                Map.of("Content-Type", "application/json"),
                "{\"context\":{}}".getBytes(StandardCharsets.UTF_8)));

        assertThat(health).isInstanceOf(Admission.Admitted.class);
        // No authenticator is configured by the file, so the protected route asks for one.
        assertThat(invocation).isInstanceOfSatisfying(Admission.Rejected.class, rejected ->
                assertThat(rejected.problem().code().name()).isEqualTo("MISSING_CREDENTIALS"));
    }

    @Test
    void variablesComeFromTheEnvironmentWithShellStyleDefaults() {
        Map<String, String> env = Map.of("MAX_BODY", "512", "FREE_PER_HOUR", "");

        GatewayConfig config = GatewayConfig.parse(FULL, env::get);

        assertThat(config.routes().get(0).maxBodyBytes()).isEqualTo(512);
        // Set but empty takes the default, as ${VAR:-default} does in a shell.
        assertThat(config.section("usage")).contains(Map.of("free", Map.of("per_hour", "10")));
        assertThat(config.sectionNames()).containsExactly("usage");
    }

    @Test
    void doubledDollarIsALiteralReference() {
        GatewayConfig config = GatewayConfig.parse("""
                routes: [{id: r, path: /r, roles: ["$${NOT_A_VAR}"]}]
                """, NO_ENV);

        assertThat(config.routes().get(0).requiredRoles()).containsExactly("${NOT_A_VAR}");
    }

    @Test
    void variableValueCannotAddStructure() {
        Map<String, String> env = Map.of("ROLE", "a, b]\npublic: true");

        GatewayConfig config = GatewayConfig.parse("""
                routes: [{id: r, path: /r, roles: ["${ROLE}"]}]
                """, env::get);

        assertThat(config.routes().get(0).requiredRoles()).isEqualTo(Set.of("a, b]\npublic: true"));
        assertThat(config.routes().get(0).publicAccess()).isFalse();
    }

    @Test
    void unsetVariableWithoutDefaultIsAnErrorNamingItAndWhereItIsUsed() {
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, max_body_bytes: "${BODY_LIMIT}"}]
                """, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage("routes[0].max_body_bytes: environment variable BODY_LIMIT is not set "
                        + "and has no default (write ${BODY_LIMIT:-default})");
    }

    @Test
    void badValuesAreErrorsNamingTheirLocation() {
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, max_body_bytes: lots}]
                """, NO_ENV)).hasMessage("routes[0].max_body_bytes: must be a whole number, "
                + "was 'lots'");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, cost: 0}]
                """, NO_ENV)).hasMessage("routes[0].cost: must be between 1 and "
                + Long.MAX_VALUE + ", was 0");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, pubilc: true}]
                """, NO_ENV))
                .hasMessageStartingWith("routes[0].pubilc: unknown key; known keys are");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, public: maybe}]
                """, NO_ENV)).hasMessage("routes[0].public: must be true or false, was 'maybe'");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r, validate: {json: {required: {prompt: text}}}}]
                """, NO_ENV)).hasMessage("routes[0].validate.json.required.prompt: 'text' is not "
                + "one of string, number, boolean, object, array, any");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /a}, {id: r, path: /b}]
                """, NO_ENV)).hasMessage("routes[1].id: 'r' is used by an earlier route");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{path: /a}]
                """, NO_ENV)).hasMessage("routes[0].id: is required");
        assertThatThrownBy(() -> GatewayConfig.parse("tiers: {}\n", NO_ENV))
                .hasMessage("routes: a non-empty list of routes is required");
    }

    @Test
    void duplicateKeysAreRejectedRatherThanSilentlyOverwritten() {
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes:
                  - id: r
                    path: /r
                    public: false
                    public: true
                """, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining("Duplicate field 'public'");
    }

    @Test
    void loadingAFileNamesTheFileInErrors(@TempDir Path directory) throws Exception {
        Path good = directory.resolve("gateway.yaml");
        Files.writeString(good, FULL);
        Path bad = directory.resolve("bad.yaml");
        Files.writeString(bad, "routes: [{id: r, path: /r, cost: -1}]\n");

        assertThat(GatewayConfig.load(good, NO_ENV).routes()).hasSize(2);
        assertThatThrownBy(() -> GatewayConfig.load(bad, NO_ENV))
                .hasMessageStartingWith(bad + ": routes[0].cost: must be between 1");
        assertThatThrownBy(() -> GatewayConfig.load(directory.resolve("missing.yaml"), NO_ENV))
                .hasMessageStartingWith("cannot read gateway configuration "
                        + directory.resolve("missing.yaml"));
    }

    @Test
    void forwardedHeaderNamesTheOneHeaderTheTrustedProxiesWrite() {
        String routes = "routes: [{id: r, path: /r, public: true}]\n"
                + "trusted_proxies: [127.0.0.1]\n";
        GatewayConfig byDefault = GatewayConfig.parse(routes, NO_ENV);
        GatewayConfig rfc7239 = GatewayConfig.parse(routes + "forwarded_header: forwarded\n",
                NO_ENV);

        assertThat(byDefault.forwardedHeader()).isEqualTo(ForwardedHeader.X_FORWARDED_FOR);
        assertThat(rfc7239.forwardedHeader()).isEqualTo(ForwardedHeader.FORWARDED);
        TestExchange both = new TestExchange("GET", "/r",
                Map.of("Forwarded", "for=198.51.100.4", "X-Forwarded-For", "198.51.100.5"),
                new byte[0]);
        assertThat(((Admission.Admitted) rfc7239.gatewayBuilder().build().admit(both))
                .request().clientAddress()).isEqualTo("198.51.100.4");
        assertThat(((Admission.Admitted) byDefault.gatewayBuilder().build().admit(both))
                .request().clientAddress()).isEqualTo("198.51.100.5");
        assertThatThrownBy(() -> GatewayConfig.parse(routes + "forwarded_header: X-Real-IP\n",
                NO_ENV)).isInstanceOf(GatewayConfigException.class)
                .hasMessage("forwarded_header: 'X-Real-IP' is not a forwarding header; use "
                        + "X-Forwarded-For or Forwarded");
    }

    @Test
    void unmatchedPathsPassThroughByDefaultInAFileAndCanBeRefused() {
        String routes = "routes: [{id: r, path: /r, public: true}]\n";
        Exchange legacy = new TestExchange("GET", "/legacy", Map.of(), new byte[0]);

        GatewayConfig byDefault = GatewayConfig.parse(routes, NO_ENV);
        GatewayConfig owning = GatewayConfig.parse(routes + "unmatched_paths: not_found\n",
                NO_ENV);

        assertThat(byDefault.unmatchedPaths()).isEqualTo(io.gatehouse.UnmatchedPaths.PASS_THROUGH);
        assertThat(byDefault.gatewayBuilder().build().admit(legacy))
                .isInstanceOf(Admission.PassedThrough.class);
        assertThat(((Admission.Rejected) owning.gatewayBuilder().build().admit(legacy))
                .problem().status()).isEqualTo(404);
        assertThatThrownBy(() -> GatewayConfig.parse(routes + "unmatched_paths: ignore\n",
                NO_ENV)).hasMessage("unmatched_paths: 'ignore' is not one of not_found, "
                        + "pass_through");
    }

    @Test
    void consumedCredentialsAreHiddenFromTheApplicationUnlessTheFileForwardsThem() {
        String yaml = """
                routes: [{id: r, path: /r}]
                tiers: {free: []}
                api_keys:
                  keys: [{id: kid_bob, owner: bob, tier: free, plaintext_env: BOB_KEY}]
                """;
        Function<String, String> env =
                Map.of("BOB_KEY", "key_bob_config_0123456789")::get;
        Exchange call = new TestExchange("GET", "/r",
                Map.of("X-API-Key", "key_bob_config_0123456789"), new byte[0]);

        GatewayRequest hiding = ((Admission.Admitted) GatewayConfig.parse(yaml, env)
                .gatewayBuilder().build().admit(call)).request();
        GatewayConfig forwarding = GatewayConfig.parse(yaml
                + "forward_client_credentials: true\n", env);
        GatewayRequest passing = ((Admission.Admitted) forwarding.gatewayBuilder().build()
                .admit(call)).request();

        assertThat(hiding.credentialsHiddenFromApplication().headerNames())
                .containsExactly("x-api-key");
        assertThat(forwarding.forwardClientCredentials()).isTrue();
        assertThat(passing.consumedCredentials().headerNames()).containsExactly("x-api-key");
        assertThat(passing.credentialsHiddenFromApplication().isEmpty()).isTrue();
    }
}
