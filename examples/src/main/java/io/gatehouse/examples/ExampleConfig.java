package io.gatehouse.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The example's configuration: the YAML file (the built-in {@code gatehouse.yaml} or
 * {@code --config FILE}) with the settings that flags and environment variables put on top of
 * it (rate limits, CORS origins, JWT issuer).
 *
 * <p>Immutable.
 */
final class ExampleConfig {

    /** The class-path name of the built-in configuration. */
    static final String BUILT_IN = "/gatehouse.yaml";
    /** The {@code iss} and {@code aud} a JWT must carry unless JWT_ISSUER/JWT_AUDIENCE say. */
    static final String DEFAULT_ISSUER = "gatehouse-example";
    static final String DEFAULT_AUDIENCE = "gatehouse";

    private static final YAMLFactory YAML = new YAMLFactory();

    private final GatewayConfig file;
    private final List<Tier> tiers;
    private final List<JwtIssuer> jwtIssuers;
    private final CorsPolicy cors;

    private ExampleConfig(GatewayConfig file, List<Tier> tiers, List<JwtIssuer> jwtIssuers,
            CorsPolicy cors) {
        this.file = file;
        this.tiers = List.copyOf(tiers);
        this.jwtIssuers = List.copyOf(jwtIssuers);
        this.cors = cors;
    }

    /**
     * What flags and the environment add to the file; every member nullable (not given).
     *
     * @param perMinute   a per-minute sliding window added to every tier
     * @param perHour     every tier's per-hour limit
     * @param corsOrigins origins allowed by CORS, replacing the file's {@code cors}
     * @param jwtSecret   an HS256 secret (32 bytes or more) of the example's JWT issuer
     * @param jwksUrl     a JWK Set URL (RS256, ES256) of the example's JWT issuer
     * @param jwtIssuer   the {@code iss} tokens must carry; default {@value #DEFAULT_ISSUER}
     * @param jwtAudience an {@code aud} tokens must carry; default {@value #DEFAULT_AUDIENCE}
     */
    record Overrides(Long perMinute, Long perHour, List<String> corsOrigins, String jwtSecret,
            String jwksUrl, String jwtIssuer, String jwtAudience) {
        static final Overrides NONE = new Overrides(null, null, null, null, null, null, null);

        Overrides {
            corsOrigins = corsOrigins == null ? null : List.copyOf(corsOrigins);
        }
    }

    /**
     * Reads {@code file} (nullable: the built-in one), expanding {@code ${NAME:-default}} with
     * {@code environment}, and applies {@code overrides}.
     *
     * @throws GatewayConfigException naming the file, the line and the field of the first
     *                                problem
     */
    static ExampleConfig load(Path file, Function<String, String> environment,
            Overrides overrides) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(overrides, "overrides");
        String name = file == null ? "gatehouse.yaml (built in)" : file.toString();
        String text = file == null ? builtInText() : read(file);
        GatewayConfig config;
        try {
            config = GatewayConfig.parse(text, environment);
        } catch (GatewayConfigException e) {
            throw new GatewayConfigException(name + locate(text, e.getMessage()) + ": "
                    + e.getMessage(), e);
        }
        List<JwtIssuer> issuers = new ArrayList<>(config.jwtIssuers());
        try {
            issuer(overrides).ifPresent(issuers::add);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException("JWT settings: " + e.getMessage(), e);
        }
        CorsPolicy cors = config.cors().orElse(null);
        if (overrides.corsOrigins() != null && !overrides.corsOrigins().isEmpty()) {
            try {
                cors = CorsPolicy.builder()
                        .allowOrigins(overrides.corsOrigins().toArray(String[]::new))
                        .allowHeaders("Authorization", "Content-Type", "X-API-Key",
                                "X-Request-ID")
                        .build();
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException("CORS origins: " + e.getMessage(), e);
            }
        }
        return new ExampleConfig(config, tiers(config.tiers(), overrides), issuers, cors);
    }

    private static List<Tier> tiers(List<Tier> fileTiers, Overrides overrides) {
        if (overrides.perMinute() == null && overrides.perHour() == null) {
            return fileTiers;
        }
        List<Tier> tiers = new ArrayList<>();
        for (Tier tier : fileTiers) {
            List<LimitRule> rules = new ArrayList<>();
            for (LimitRule rule : tier.limits()) {
                if (overrides.perHour() != null && rule.name().equals("per-hour")) {
                    rules.add(LimitRule.builder("per-hour", rule.algorithm())
                            .limit(overrides.perHour(), rule.period())
                            .failurePolicy(rule.failurePolicy())
                            .build());
                } else {
                    rules.add(rule);
                }
            }
            if (overrides.perMinute() != null) {
                rules.add(LimitRule.builder("per-minute", LimitAlgorithm.SLIDING_WINDOW)
                        .limit(overrides.perMinute(), Duration.ofMinutes(1))
                        .failurePolicy(tier.limits().isEmpty()
                                ? io.gatehouse.limit.FailurePolicy.FAIL_OPEN
                                : tier.limits().get(0).failurePolicy())
                        .build());
            }
            tiers.add(new Tier(tier.name(), rules));
        }
        return tiers;
    }

    private static Optional<JwtIssuer> issuer(Overrides overrides) {
        boolean secret = overrides.jwtSecret() != null && !overrides.jwtSecret().isEmpty();
        boolean jwks = overrides.jwksUrl() != null && !overrides.jwksUrl().isEmpty();
        if (!secret && !jwks) {
            return Optional.empty();
        }
        JwtIssuer.Builder issuer = JwtIssuer.builder(overrides.jwtIssuer() == null
                        ? DEFAULT_ISSUER : overrides.jwtIssuer())
                .audiences(overrides.jwtAudience() == null ? DEFAULT_AUDIENCE
                        : overrides.jwtAudience());
        List<String> algorithms = new ArrayList<>();
        if (secret) {
            algorithms.add("HS256");
            issuer.hmacSecret(null, overrides.jwtSecret().getBytes(StandardCharsets.UTF_8));
        }
        if (jwks) {
            algorithms.add("RS256");
            algorithms.add("ES256");
            issuer.jwksUri(URI.create(overrides.jwksUrl()));
        }
        return Optional.of(issuer.algorithms(algorithms.toArray(String[]::new)).build());
    }

    /** The parsed file. */
    GatewayConfig file() {
        return file;
    }

    /** The file's tiers with the rate-limit overrides applied. */
    List<Tier> tiers() {
        return tiers;
    }

    /** The file's JWT issuers and the one of JWT_SECRET / JWKS_URL, if set. */
    List<JwtIssuer> jwtIssuers() {
        return jwtIssuers;
    }

    /** CORS: the origins given by flag or environment, else the file's {@code cors}. */
    Optional<CorsPolicy> cors() {
        return Optional.ofNullable(cors);
    }

    /** The text of the built-in {@code gatehouse.yaml}. */
    static String builtInText() {
        try (InputStream in = ExampleConfig.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException(BUILT_IN + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(BUILT_IN + " is unreadable", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GatewayConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code " line N"} for the field a loader message starts with (e.g.
     * {@code routes[1].service: ...}), the nearest enclosing field found, or {@code ""}.
     */
    static String locate(String text, String message) {
        int colon = message.indexOf(": ");
        if (colon <= 0) {
            return "";
        }
        String path = message.substring(0, colon);
        if (path.indexOf(' ') >= 0) {
            return "";
        }
        Map<String, Integer> lines = lines(text);
        while (!path.isEmpty()) {
            Integer line = lines.get(path);
            if (line != null) {
                return " line " + line;
            }
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut < 0 ? "" : path.substring(0, cut);
        }
        return "";
    }

    /** The line of every field and list item of {@code text}, by loader path. */
    static Map<String, Integer> lines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.createParser(text)) {
            if (parser.nextToken() != null) {
                walk(parser, "", lines);
            }
        } catch (IOException | RuntimeException e) {
            // Not YAML: the loader's own message says where.
        }
        return lines;
    }

    private static void walk(JsonParser parser, String prefix, Map<String, Integer> lines)
            throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String path = prefix.isEmpty() ? parser.currentName()
                        : prefix + "." + parser.currentName();
                lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
                parser.nextToken();
                walk(parser, path, lines);
            }
        } else if (token == JsonToken.START_ARRAY) {
            int index = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                String path = prefix + "[" + index++ + "]";
                lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
                walk(parser, path, lines);
            }
        }
    }
}
