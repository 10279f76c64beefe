package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.route.Route;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyAdministrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    private final CollectingSecurityEvents events = new CollectingSecurityEvents();
    private final ApiKeyManager manager = ApiKeyManager.builder(new InMemoryApiKeyStore())
            .clock(clock)
            .events(events)
            .build();
    private final KeyAdministration admin = KeyAdministration.builder(manager)
            .tiers(Set.of("free", "premium"))
            .defaultTier("free")
            .defaultPrefix("sk_test")
            .clock(clock)
            .build();
    private final Principal root =
            new Principal("root", "premium", Set.of("admin"), Set.of(), "kid_root");
    private final AdminContext context = new AdminContext("req-1", "10.0.0.1", "root");

    private KeyAdministration.Reply post(Principal principal, String path, String body) {
        return admin.handle(new KeyAdministration.Call("POST", path, "application/json",
                body.getBytes(StandardCharsets.UTF_8), principal, context, null));
    }

    private static JsonNode json(KeyAdministration.Reply reply) throws Exception {
        return JSON.readTree(reply.body());
    }

    @Test
    void everyRouteRequiresTheAdminRoleAndBoundsTheBody() {
        assertThat(admin.routes()).extracting(Route::id).containsExactly("admin-keys",
                "admin-key", "admin-key-rotate", "admin-api-key-alias");
        assertThat(admin.routes()).allSatisfy(route -> {
            assertThat(route.requiredRoles()).containsExactly("admin");
            assertThat(route.publicAccess()).isFalse();
            assertThat(route.maxBodyBytes()).isEqualTo(KeyAdministration.MAX_BODY_BYTES);
        });
    }

    @Test
    void callsWithoutAnAdminAreRefusedEvenWithoutTheGatewayInFront() throws Exception {
        String body = "{\"owner\": \"eve\", \"roles\": [\"admin\"]}";
        KeyAdministration.Reply anonymous = post(Principal.anonymous(), "/admin/keys", body);
        KeyAdministration.Reply user = post(new Principal("eve", "free", Set.of("reader"),
                Set.of(), "kid_eve"), "/admin/keys", body);

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(json(anonymous).get("code").asText()).isEqualTo("MISSING_CREDENTIALS");
        assertThat(user.status()).isEqualTo(403);
        assertThat(json(user).get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(user.headers()).containsEntry("Content-Type", "application/problem+json");
        assertThat(manager.list()).isEmpty();
        assertThat(events.events).isEmpty();
    }

    @Test
    void createdKeyCarriesItsPlaintextOnceAndDefaults() throws Exception {
        KeyAdministration.Reply reply = post(root, "/api/auth/api-key",
                "{\"owner\": \"carol\", \"expires_at\": \"2030-03-01T00:00:00Z\"}");

        assertThat(reply.status()).isEqualTo(201);
        JsonNode body = json(reply);
        assertThat(body.get("api_key").asText()).startsWith("sk_test_");
        assertThat(body.get("tier").asText()).isEqualTo("free");
        assertThat(body.get("expires").asText()).isEqualTo("2030-03-01T00:00:00Z");
        assertThat(reply.headers()).containsEntry("Cache-Control", "no-store");
        ApiKeyRecord stored = manager.list().get(0);
        assertThat(stored.principalId()).isEqualTo("carol");
        assertThat(events.events).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo(SecurityEvent.Type.KEY_CREATED);
            assertThat(event.requestId()).isEqualTo("req-1");
            assertThat(event.clientAddress()).isEqualTo("10.0.0.1");
        });
    }

    @Test
    void invalidFieldsAreAllNamedAndNothingIsCreated() throws Exception {
        KeyAdministration.Reply reply = post(root, "/admin/keys", """
                {"owner": "carol", "principal": "dave", "tier": "gold",
                 "roles": ["ok", "not ok"], "prefix": "pk_live", "expires_in": "30d",
                 "expires_at": "2031-01-01T00:00:00Z"}""");

        assertThat(reply.status()).isEqualTo(400);
        JsonNode body = json(reply);
        assertThat(body.get("code").asText()).isEqualTo(ErrorCode.VALIDATION_ERROR.name());
        assertThat(body.get("errors").findValuesAsText("field")).containsExactly("/principal",
                "/tier", "/roles/1", "/prefix", "/expires_at");
        assertThat(manager.list()).isEmpty();
    }

    @Test
    void pastExpiryAndTextBodiesAreRefused() throws Exception {
        KeyAdministration.Reply past = post(root, "/admin/keys",
                "{\"owner\": \"carol\", \"expires_at\": \"2029-12-31T23:59:59Z\"}");
        KeyAdministration.Reply text = admin.handle(new KeyAdministration.Call("POST",
                "/admin/keys", "text/plain", "{\"owner\": \"carol\"}".getBytes(
                        StandardCharsets.UTF_8), root, context, null));
        KeyAdministration.Reply big = post(root, "/admin/keys",
                "{\"owner\": \"" + "x".repeat(KeyAdministration.MAX_BODY_BYTES) + "\"}");

        assertThat(json(past).get("errors").get(0).get("field").asText())
                .isEqualTo("/expires_at");
        assertThat(text.status()).isEqualTo(415);
        assertThat(big.status()).isEqualTo(413);
        assertThat(manager.list()).isEmpty();
    }

    @Test
    void cliFieldsGoThroughTheSameRules() {
        KeyAdministration.Result bad = admin.create(Map.of("owner", "ci", "tier", "premium",
                "expires_in", "30x"), AdminContext.system());
        KeyAdministration.Result good = admin.create(Map.of("owner", "ci", "tier", "premium",
                "expires_in", "2w"), AdminContext.system());

        assertThat(bad).isInstanceOf(KeyAdministration.Refused.class);
        assertThat(good).isInstanceOfSatisfying(KeyAdministration.Created.class, created ->
                assertThat(created.key().record().expiresAt())
                        .isEqualTo(clock.instant().plus(Duration.ofDays(14))));
    }

    @Test
    void lifetimesAcceptUnitsIsoAndSeconds() {
        Map<String, Duration> good = Map.of("45s", Duration.ofSeconds(45), "15m",
                Duration.ofMinutes(15), "PT36H", Duration.ofHours(36), "3600",
                Duration.ofHours(1));
        good.forEach((text, lifetime) -> assertThat(admin.create(Map.of("owner", "ci",
                "expires_in", text), AdminContext.system()))
                .as(text)
                .isInstanceOfSatisfying(KeyAdministration.Created.class, created ->
                        assertThat(created.key().record().expiresAt())
                                .isEqualTo(clock.instant().plus(lifetime))));
        for (Object bad : new Object[] {"", "0", "-1h", "1.5h", "h", "1y", -5, 0, 1.5, true,
                "99999d"}) {
            assertThat(admin.create(Map.of("owner", "ci", "expires_in", bad),
                    AdminContext.system())).as(String.valueOf(bad))
                    .isInstanceOf(KeyAdministration.Refused.class);
        }
    }

    private KeyAdministration.Reply postOnce(String idempotencyKey, String body) {
        return admin.handle(new KeyAdministration.Call("POST", "/admin/keys",
                "application/json", body.getBytes(StandardCharsets.UTF_8), root, context,
                idempotencyKey));
    }

    @Test
    void repeatedIdempotencyKeyCreatesNothingAndNamesTheFirstKey() throws Exception {
        String body = "{\"owner\": \"carol\", \"tier\": \"premium\"}";
        KeyAdministration.Reply first = postOnce("order-42", body);
        KeyAdministration.Reply again = postOnce("order-42", body);
        KeyAdministration.Reply other = postOnce("order-42", "{\"owner\": \"dave\"}");
        KeyAdministration.Reply fresh = postOnce("order-43", body);

        assertThat(first.status()).isEqualTo(201);
        String id = json(first).get("id").asText();
        assertThat(again.status()).isEqualTo(409);
        assertThat(json(again).get("key_id").asText()).isEqualTo(id);
        assertThat(json(again).has("api_key")).isFalse();
        assertThat(new String(again.body(), StandardCharsets.UTF_8))
                .doesNotContain(json(first).get("api_key").asText());
        assertThat(other.status()).isEqualTo(409);
        assertThat(json(other).get("detail").asText())
                .isEqualTo("this Idempotency-Key was used for a different request");
        assertThat(fresh.status()).isEqualTo(201);
        assertThat(manager.list()).hasSize(2);

        clock.advance(KeyAdministration.IDEMPOTENCY_WINDOW);
        assertThat(postOnce("order-42", body).status()).isEqualTo(201);
        assertThat(postOnce("bad key", body).status()).isEqualTo(400);
    }

    @Test
    void aRefusedRequestLeavesItsIdempotencyKeyFree() {
        assertThat(postOnce("k1", "{\"owner\": \"carol\", \"tier\": \"gold\"}").status())
                .isEqualTo(400);
        assertThat(postOnce("k1", "{\"owner\": \"carol\"}").status()).isEqualTo(201);
    }

    @Test
    void revokingTwiceSucceedsAndKeepsTheFirstTime() {
        NewApiKey key = manager.create("sk_test_", ApiKeySpec.of("carol", "free"));
        KeyAdministration.Result first = admin.revoke(key.keyId(), context);
        clock.advance(Duration.ofMinutes(5));
        KeyAdministration.Result second = admin.revoke(key.keyId(), context);

        assertThat(first).isEqualTo(new KeyAdministration.Revoked(
                manager.find(key.keyId()).orElseThrow(), false));
        assertThat(second).isInstanceOfSatisfying(KeyAdministration.Revoked.class, revoked -> {
            assertThat(revoked.alreadyRevoked()).isTrue();
            assertThat(revoked.key().revokedAt()).isEqualTo("2030-01-01T00:00:00Z");
        });
        assertThat(admin.reply(second, "r").status()).isEqualTo(204);
        assertThat(admin.revoke("kid_unknown", context))
                .isInstanceOfSatisfying(KeyAdministration.Refused.class, refused ->
                        assertThat(refused.problem().status()).isEqualTo(404));
    }
}
