package io.gatehouse.examples;

import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.FileApiKeyStore;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tiers;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.GatewayFactory;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@link GatewayFactory} for an existing web application that names it in {@code web.xml}
 * (the README shows this class): API keys from a key file whose path is the filter's
 * {@value #KEYS_FILE_PARAMETER} init parameter, the five preset tiers of {@link Tiers}, and the
 * agent's two routes.
 *
 * <p>Not thread-safe; the filter calls it once, during its {@code init}.
 */
public final class AgentGatewayFactory implements GatewayFactory {

    /** The init parameter naming the API key file (hashes only, see {@link FileApiKeyStore}). */
    public static final String KEYS_FILE_PARAMETER = "keys.file";

    @Override
    public Gateway create(Map<String, String> initParameters) {
        String keysFile = initParameters.get(KEYS_FILE_PARAMETER);
        if (keysFile == null || keysFile.isBlank()) {
            throw new IllegalArgumentException(
                    "init parameter " + KEYS_FILE_PARAMETER + " must name the API key file");
        }
        ApiKeyManager keys = ApiKeyManager.builder(FileApiKeyStore.open(Path.of(keysFile)))
                .build();
        Router routes = Router.of(List.of(
                Route.builder("invocations", "/invocations")
                        .methods("POST")
                        .maxBodyBytes(1 << 20)
                        .validator(ContentTypeValidator.accepting("application/json"))
                        .validator(JsonBodyValidator.builder()
                                .require("prompt", JsonType.STRING)
                                .build())
                        .build(),
                Route.builder("health", "/health")
                        .methods("GET")
                        .publicAccess()
                        .build()));
        return Gateway.builder(routes)
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory())
                        .tiers(Tiers.presets())
                        .build())
                .build();
    }
}
