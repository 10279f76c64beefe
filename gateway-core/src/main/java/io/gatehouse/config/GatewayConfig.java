package io.gatehouse.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.ForwardedHeader;
import io.gatehouse.Gateway;
import io.gatehouse.JsonMappers;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.limit.Tiers;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstreams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The YAML front door to the gateway: reads a configuration file into the same core objects the
 * Java builders make ({@link Route}, {@link Tier}, {@link io.gatehouse.limit.LimitRule},
 * {@link JwtIssuer}, {@link io.gatehouse.auth.SignatureKey}, {@link Gateway.Builder}). The
 * format, with a complete annotated example, is described in the
 * {@linkplain io.gatehouse.config package documentation}.
 *
 * <p>Loading checks every value: a bad one fails with a {@link GatewayConfigException} naming
 * its location in the file and the value, e.g. {@code tiers.free[0].period: '5x' is not a
 * duration}. Top-level sections this class does not interpret (for instance {@code redis}) are
 * kept, variables expanded, as plain maps, lists and strings in {@link #section(String)}, for
 * the part of Gatehouse that owns them to read.
 *
 * <p>Loading reads only the configuration file (and a JWT issuer's {@code keys_file}); the key
 * store is opened and the file's API keys are saved to it when a gateway or authenticator is
 * built.
 *
 * <p>Thread-safe; immutable apart from the live {@link #upstreams()} it makes on first use.
 */
public final class GatewayConfig {

    private static final Set<String> INTERPRETED = Set.of("routes", "trusted_proxies", "tiers",
            "forwarded_header", "unmatched_paths", "forward_client_credentials",
            "presets", "unknown_tier", "api_keys", "jwt", "signatures", "auth_failures",
            "services", "cors", "fallback_instances");
    private static final Set<String> PRESET_KEYS = Set.of("zone");
    private static final int MAX_FALLBACK_INSTANCES = 10_000;

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .recyclerPool(JsonMappers.recyclerPool())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private final List<Route> routes;
    private final List<String> trustedProxies;
    private final ForwardedHeader forwardedHeader;
    private final UnmatchedPaths unmatchedPaths;
    private final boolean forwardClientCredentials;
    private final List<Tier> tiers;
    private final String unknownTier;
    private final AuthSection auth;
    private final Map<String, Object> sections;
    private final List<Service> services;
    private final CorsPolicy cors;
    private final int fallbackInstances;
    /** The live pools of {@link #services}, made on first use; see {@link #upstreams()}. */
    private Upstreams upstreams;

    private GatewayConfig(List<Route> routes, List<String> trustedProxies,
            ForwardedHeader forwardedHeader, UnmatchedPaths unmatchedPaths, List<Tier> tiers,
            String unknownTier, AuthSection auth, Map<String, Object> sections,
            List<Service> services, CorsPolicy cors, boolean forwardClientCredentials,
            int fallbackInstances) {
        this.unmatchedPaths = unmatchedPaths;
        this.forwardClientCredentials = forwardClientCredentials;
        this.fallbackInstances = fallbackInstances;
        this.routes = List.copyOf(routes);
        this.services = List.copyOf(services);
        this.trustedProxies = List.copyOf(trustedProxies);
        this.forwardedHeader = forwardedHeader;
        this.tiers = List.copyOf(tiers);
        this.unknownTier = unknownTier;
        this.auth = auth;
        this.sections = Collections.unmodifiableMap(sections);
        this.cors = cors;
    }

    /**
     * Reads {@code file}, expanding variables from the process environment.
     *
     * @throws GatewayConfigException naming the file and location of the first problem
     */
    public static GatewayConfig load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Reads {@code file}, expanding variables with {@code environment} (name to value, or
     * {@code null} when unset).
     *
     * @throws GatewayConfigException naming the file and location of the first problem
     */
    public static GatewayConfig load(Path file, Function<String, String> environment) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GatewayConfigException("cannot read gateway configuration " + file + ": "
                    + e.getMessage(), e);
        }
        try {
            return parse(yaml, environment);
        } catch (GatewayConfigException e) {
            throw new GatewayConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses configuration text.
     *
     * @throws GatewayConfigException naming the location of the first problem
     */
    public static GatewayConfig parse(String yaml, Function<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        JsonNode root;
        try (JsonParser parser = YAML.createParser(yaml)) {
            root = YAML.readTree(parser);
        } catch (JsonProcessingException e) {
            throw new GatewayConfigException("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new GatewayConfigException("cannot parse configuration: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new GatewayConfigException("the configuration must be a mapping with 'routes'");
        }
        ConfigReader reader = new ConfigReader(environment);
        JsonNode routeNodes = root.get("routes");
        if (routeNodes == null || !routeNodes.isArray() || routeNodes.isEmpty()) {
            throw new GatewayConfigException("routes: a non-empty list of routes is required");
        }
        List<Route> routes = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < routeNodes.size(); i++) {
            Route route = RouteSection.route(reader, routeNodes.get(i), "routes[" + i + "]");
            if (!ids.add(route.id())) {
                throw new GatewayConfigException("routes[" + i + "].id: '" + route.id()
                        + "' is used by an earlier route");
            }
            routes.add(route);
        }
        List<Service> services = ServiceSection.services(reader, root.get("services"));
        Set<String> serviceNames = new TreeSet<>();
        services.forEach(service -> serviceNames.add(service.name()));
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).target() instanceof Target.Upstream upstream
                    && !serviceNames.contains(upstream.service())) {
                throw new GatewayConfigException("routes[" + i + "].service: '"
                        + upstream.service() + "' is not defined under services; services are "
                        + serviceNames);
            }
        }
        List<String> proxies = root.has("trusted_proxies")
                ? reader.strings(root.get("trusted_proxies"), "trusted_proxies") : List.of();
        ForwardedHeader forwardedHeader = ForwardedHeader.X_FORWARDED_FOR;
        if (root.has("forwarded_header")) {
            String name = reader.text(root.get("forwarded_header"), "forwarded_header");
            try {
                forwardedHeader = ForwardedHeader.ofHeaderName(name);
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException("forwarded_header: " + e.getMessage());
            }
        }
        List<Tier> tiers = tiers(reader, root);
        Set<String> tierNames = new TreeSet<>();
        tiers.forEach(tier -> tierNames.add(tier.name()));
        String unknownTier = null;
        if (root.has("unknown_tier")) {
            unknownTier = reader.text(root.get("unknown_tier"), "unknown_tier").strip();
            if (!tierNames.contains(unknownTier)) {
                throw new GatewayConfigException("unknown_tier: '" + unknownTier
                        + "' is not a configured tier; tiers are " + tierNames);
            }
        }
        AuthSection auth = AuthSection.read(reader, root.get("api_keys"), root.get("jwt"),
                root.get("signatures"), root.get("auth_failures"));
        if (!tierNames.isEmpty() && unknownTier == null) {
            // A key or token of an unconfigured tier would be refused on every request.
            for (AuthSection.ConfiguredKey key : auth.keys()) {
                requireTier(key.tier(), key.where() + ".tier", tierNames);
            }
            List<JwtIssuer> issuers = auth.issuers();
            for (int i = 0; i < issuers.size(); i++) {
                requireTier(issuers.get(i).defaultTier(),
                        "jwt.issuers[" + i + "].default_tier", tierNames);
            }
            for (String[] tierAndWhere : auth.signatureTiers()) {
                requireTier(tierAndWhere[0], tierAndWhere[1], tierNames);
            }
        }
        Map<String, Object> sections = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!INTERPRETED.contains(field.getKey())) {
                sections.put(field.getKey(), reader.plain(field.getValue(), field.getKey()));
            }
        }
        CorsPolicy cors = root.hasNonNull("cors")
                ? CorsSection.policy(reader, root.get("cors"), "cors") : null;
        UnmatchedPaths unmatched = root.has("unmatched_paths")
                ? reader.choice(root.get("unmatched_paths"), "unmatched_paths",
                        java.util.EnumSet.allOf(UnmatchedPaths.class))
                : UnmatchedPaths.PASS_THROUGH;
        boolean forwardCredentials = root.has("forward_client_credentials")
                && reader.bool(root.get("forward_client_credentials"),
                        "forward_client_credentials");
        int fallbackInstances = root.hasNonNull("fallback_instances")
                ? (int) reader.integer(root.get("fallback_instances"), "fallback_instances", 1,
                        MAX_FALLBACK_INSTANCES)
                : 1;
        return new GatewayConfig(routes, proxies, forwardedHeader, unmatched, tiers,
                unknownTier, auth, sections, services, cors, forwardCredentials,
                fallbackInstances);
    }

    /** Presets first, then the file's tiers, a file tier replacing a preset of its name. */
    private static List<Tier> tiers(ConfigReader reader, JsonNode root) {
        Map<String, Tier> tiers = new LinkedHashMap<>();
        JsonNode presets = root.get("presets");
        if (presets != null && !presets.isNull()) {
            ZoneId zone = null;
            if (presets.isObject()) {
                ConfigReader.requireMapping(presets, "presets", PRESET_KEYS);
                zone = presets.has("zone")
                        ? LimitSection.zone(reader, presets.get("zone"), "presets.zone")
                        : ZoneOffset.UTC;
            } else if (reader.bool(presets, "presets")) {
                zone = ZoneOffset.UTC;
            }
            if (zone != null) {
                Tiers.presets(zone).forEach(tier -> tiers.put(tier.name(), tier));
            }
        }
        JsonNode fileTiers = root.get("tiers");
        if (fileTiers != null && !fileTiers.isNull()) {
            LimitSection.tiers(reader, fileTiers, "tiers")
                    .forEach(tier -> tiers.put(tier.name(), tier));
        }
        return new ArrayList<>(tiers.values());
    }

    private static void requireTier(String tier, String where, Set<String> tierNames) {
        if (!tierNames.contains(tier)) {
            throw new GatewayConfigException(where + ": '" + tier + "' is not a configured "
                    + "tier; tiers are " + tierNames + " (or set unknown_tier)");
        }
    }

    /** The gateway-wide CORS policy of top-level {@code cors:}, if the file has one. */
    public Optional<CorsPolicy> cors() {
        return Optional.ofNullable(cors);
    }

    /** The routes, in file order. */
    public List<Route> routes() {
        return routes;
    }

    /**
     * The upstream services of {@code services:}, in file order; routes with a {@code service}
     * forward to them (through the forwarding module, {@code gateway-proxy}).
     */
    public List<Service> services() {
        return services;
    }

    /**
     * The live pools of {@link #services()} (endpoint health, circuit breakers), made on the
     * first call and the same object afterwards: the health components the
     * {@link #gatewayBuilder() gateway builders} add ({@code upstream_<name>}) and the forwarder
     * of {@code gateway-proxy} share it, so health shows what forwarding sees.
     */
    public synchronized Upstreams upstreams() {
        if (upstreams == null) {
            upstreams = Upstreams.of(services);
        }
        return upstreams;
    }

    /**
     * {@code fallback_instances}: how many gateways share each limit, so that a limit with
     * {@code failure_policy: local_fallback} grants each of them only its share
     * ({@code ceil(limit / n)}) while the limit store fails; 1 when not set. See
     * {@link TieredRateLimiter.Builder#fallbackInstances(int)}.
     */
    public int fallbackInstances() {
        return fallbackInstances;
    }

    /** A router over {@link #routes()}. */
    public Router router() {
        return Router.of(routes);
    }

    /** Proxies whose forwarding headers are believed (IPs or CIDR blocks); may be empty. */
    public List<String> trustedProxies() {
        return trustedProxies;
    }

    /** What happens to paths no route matches; {@code pass_through} unless configured. */
    public UnmatchedPaths unmatchedPaths() {
        return unmatchedPaths;
    }

    /**
     * Whether the local application sees the credentials the gateway checked;
     * {@code false} unless configured (see {@link Gateway.Builder#forwardClientCredentials}).
     */
    public boolean forwardClientCredentials() {
        return forwardClientCredentials;
    }

    /** The header the trusted proxies write; {@code X-Forwarded-For} unless configured. */
    public ForwardedHeader forwardedHeader() {
        return forwardedHeader;
    }

    /**
     * The tiers: the presets of {@link Tiers#presets(ZoneId)} when {@code presets} is on, then
     * those of {@code tiers}, in file order; a file tier replaces the preset of the same name.
     */
    public List<Tier> tiers() {
        return tiers;
    }

    /** The tier that limits principals of tiers not configured, if {@code unknown_tier} is set. */
    public Optional<String> unknownTier() {
        return Optional.ofNullable(unknownTier);
    }

    /** The JWT issuers of {@code jwt.issuers}, in file order; empty when not configured. */
    public List<JwtIssuer> jwtIssuers() {
        return auth.issuers();
    }

    /**
     * The hasher of {@code api_keys}: HMAC-SHA256 with the pepper when one is set, else SHA-256.
     * Key management ({@link io.gatehouse.auth.ApiKeyManager}) over the gateway's key store must
     * use this hasher, or its keys will not authenticate.
     */
    public KeyHasher keyHasher() {
        return auth.hasher();
    }

    /**
     * Opens the key store {@code api_keys} names: the {@link io.gatehouse.auth.FileApiKeyStore}
     * of {@code api_keys.file}, or a new in-memory store; empty when the file has no
     * {@code api_keys} section. Each call opens a new store.
     *
     * @throws GatewayConfigException when the key file cannot be read
     */
    public Optional<ApiKeyStore> openApiKeyStore() {
        return auth.openStore();
    }

    /**
     * The rate limiter over {@code store}: a {@link TieredRateLimiter} of {@link #tiers()} (and
     * the routes' limits), or {@link RateLimiter#unlimited()} when the file configures no limit
     * at all. Limits that fall back to local decisions grant each gateway its share of
     * {@link #fallbackInstances()}. A principal whose tier is neither configured nor covered
     * by {@code unknown_tier} is refused, never left unlimited.
     */
    public RateLimiter rateLimiter(LimitStore store) {
        Objects.requireNonNull(store, "store");
        boolean routeLimits = routes.stream().anyMatch(route -> !route.limits().isEmpty());
        if (tiers.isEmpty() && !routeLimits) {
            return RateLimiter.unlimited();
        }
        TieredRateLimiter.Builder limiter = TieredRateLimiter.builder(store).tiers(tiers)
                .fallbackInstances(fallbackInstances);
        if (unknownTier != null) {
            limiter.unknownTier(unknownTier);
        }
        return limiter.build();
    }

    /**
     * The authenticator the file describes: API keys looked up in {@code apiKeyStore} (the
     * file's {@code api_keys.keys} are saved to it first), then JWTs of {@link #jwtIssuers()},
     * then RFC 9421 request signatures of {@code signatures.keys}, all behind the brute-force
     * guard of {@code auth_failures} (on by default: 10 refused credentials per client address
     * and minute).
     *
     * @throws GatewayConfigException when a configured key cannot be saved to the store
     */
    public Authenticator authenticator(ApiKeyStore apiKeyStore) {
        return auth.authenticator(Objects.requireNonNull(apiKeyStore, "apiKeyStore"),
                Clock.systemUTC());
    }

    /**
     * The authenticator of {@link #authenticator(ApiKeyStore)} over the store of
     * {@link #openApiKeyStore()}; without {@code api_keys}, only JWTs (if configured) are
     * accepted, and with neither, no credentials at all, so only public routes admit requests.
     */
    public Authenticator authenticator() {
        return auth.authenticator(auth.openStore().orElse(null), Clock.systemUTC());
    }

    /** The names of the sections available through {@link #section(String)}. */
    public Set<String> sectionNames() {
        return sections.keySet();
    }

    /**
     * A top-level section this class does not interpret (e.g. {@code redis}), with variables
     * expanded, as unmodifiable maps, lists, strings, numbers, booleans and nulls.
     */
    public Optional<Object> section(String name) {
        return Optional.ofNullable(sections.get(name));
    }

    /**
     * A gateway builder with everything the file configures: routes, trusted proxies, the
     * {@link #authenticator()} (keys in the store of {@link #openApiKeyStore()}) and the
     * {@link #rateLimiter(LimitStore) rate limiter} over a new in-memory
     * {@link LimitStores#inMemory() limit store}, and one health component per upstream
     * service ({@code upstream_<name>}, see {@link #upstreams()}). Build it as it is, or
     * replace parts first.
     *
     * @throws GatewayConfigException when the key store cannot be opened or filled
     */
    public Gateway.Builder gatewayBuilder() {
        // Made for this gateway alone, so closed with it.
        LimitStore limitStore = LimitStores.inMemory();
        return withCors(Gateway.builder(router()).trustedProxies(trustedProxies, forwardedHeader)
                .unmatchedPaths(unmatchedPaths)
                .forwardClientCredentials(forwardClientCredentials)
                .authenticator(authenticator())
                .rateLimiter(rateLimiter(limitStore))
                .closing(limitStore));
    }

    private Gateway.Builder withCors(Gateway.Builder builder) {
        if (!services.isEmpty()) {
            upstreams().addHealthChecks(builder);
        }
        return cors == null ? builder : builder.cors(cors);
    }

    /**
     * A gateway builder as {@link #gatewayBuilder()}, but deciding limits in {@code limitStore}
     * and looking API keys up in {@code apiKeyStore} (e.g. both from
     * {@code io.gatehouse.redis.RedisBackend}, so that several gateways share them). API keys
     * are accepted even without an {@code api_keys} section; {@code api_keys.file} is then not
     * opened.
     *
     * @throws GatewayConfigException when a configured key cannot be saved to the store
     */
    public Gateway.Builder gatewayBuilder(LimitStore limitStore, ApiKeyStore apiKeyStore) {
        return withCors(Gateway.builder(router()).trustedProxies(trustedProxies, forwardedHeader)
                .unmatchedPaths(unmatchedPaths)
                .forwardClientCredentials(forwardClientCredentials)
                .authenticator(authenticator(apiKeyStore))
                .rateLimiter(rateLimiter(limitStore)));
    }
}
