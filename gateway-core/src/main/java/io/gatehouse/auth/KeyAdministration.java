package io.gatehouse.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.JsonMappers;
import io.gatehouse.Problem;
import io.gatehouse.route.Route;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules of API key administration, shared by the admin HTTP API and the command line: who
 * may manage keys, what a request to create or rotate one must contain, and what each answer
 * looks like. Adapters only translate; a servlet hands {@link #handle(Call)} the method, path,
 * body and principal of an admitted request and writes the {@link Reply} it gets back.
 *
 * <h2>The HTTP API</h2>
 * <ul>
 *   <li>{@code POST /admin/keys} (and the alias {@code POST /api/auth/api-key}): creates a key
 *       from {@code {"owner", "tier", "roles", "permissions", "prefix",
 *       "expires_in" | "expires_at"}} and answers 201 with the plaintext in {@code api_key},
 *       shown this once and never again. With an {@code Idempotency-Key} header, a repeat of
 *       the request by the same admin within {@link #IDEMPOTENCY_WINDOW} creates nothing and
 *       answers 409 naming the key created the first time (its plaintext cannot be shown
 *       again; revoke it if it was lost).
 *   <li>{@code GET /admin/keys}: 200 {@code {"keys": [...]}}, metadata only (see
 *       {@link #view(ApiKeyRecord, Instant)}); never a hash, never a plaintext.
 *   <li>{@code DELETE /admin/keys/{id}}: revokes at once; 204 also when already revoked, 404 for
 *       an unknown id.
 *   <li>{@code POST /admin/keys/{id}/rotate} with {@code {"grace_seconds": 3600}} or
 *       {@code {"grace": "1h"}} (default {@link #DEFAULT_GRACE}): 200 with the successor's
 *       plaintext once and both keys' validity; 409 when the key is already rotated, revoked or
 *       expired; 404 for an unknown id.
 * </ul>
 * Every call requires a principal holding {@link #ADMIN_ROLE} (configurable); {@link #routes()}
 * declares the same requirement to the gateway, so it refuses others (401/403) before the
 * endpoint runs, and {@link #handle(Call)} refuses them again should an adapter be mounted
 * without the gateway in front. Bad input is a 400 problem listing field errors in
 * {@code errors}; unknown fields are refused rather than ignored, so a typo such as
 * {@code expire_in} cannot silently create a key that never expires.
 *
 * <p>Thread-safe.
 */
public final class KeyAdministration {

    /** The role a principal needs to administer keys, unless configured otherwise. */
    public static final String ADMIN_ROLE = "admin";
    /** Largest request body accepted by the admin API. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    /** Grace period of a rotation that does not name one. */
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    /** Longest grace period a rotation may ask for. */
    public static final Duration MAX_GRACE = Duration.ofDays(30);
    /** Longest lifetime a new key may ask for. */
    public static final Duration MAX_LIFETIME = Duration.ofDays(3_660);

    /** How long an {@code Idempotency-Key} of a key creation is remembered. */
    public static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    /** How many {@code Idempotency-Key}s are remembered at most (the oldest go first). */
    public static final int MAX_IDEMPOTENCY_KEYS = 10_000;

    /** Route id of {@code GET/POST /admin/keys}. */
    public static final String KEYS_ROUTE = "admin-keys";
    /** Route id of {@code DELETE /admin/keys/{id}}. */
    public static final String KEY_ROUTE = "admin-key";
    /** Route id of {@code POST /admin/keys/{id}/rotate}. */
    public static final String ROTATE_ROUTE = "admin-key-rotate";
    /** Route id of the alias {@code POST /api/auth/api-key}. */
    public static final String ALIAS_ROUTE = "admin-api-key-alias";

    static final String KEYS_PATH = "/admin/keys";
    static final String ALIAS_PATH = "/api/auth/api-key";

    private static final ObjectMapper JSON = jsonMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}");
    private static final Set<String> CREATE_FIELDS = Set.of("owner", "principal", "tier", "roles",
            "permissions", "prefix", "expires_in", "expires_at");
    private static final Set<String> ROTATE_FIELDS = Set.of("grace_seconds", "grace");
    private static final int MAX_OWNER_LENGTH = 128;
    private static final int MAX_GRANTS = 32;
    private static final String NOTICE = "Store this key now: it is shown only once.";
    private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store");

    private final ApiKeyManager manager;
    private final Set<String> tiers;
    private final String defaultTier;
    private final String defaultPrefix;
    private final String adminRole;
    private final Clock clock;
    /** Creations by (actor, idempotency key); bounded, so a flood cannot exhaust memory. */
    private final Cache<String, Creation> creations = Caffeine.newBuilder()
            .maximumSize(MAX_IDEMPOTENCY_KEYS)
            .build();

    /** A creation under an idempotency key; {@code keyId} is null while it is in progress. */
    private record Creation(String fingerprint, Instant at, String keyId) {
    }

    private KeyAdministration(Builder builder) {
        this.manager = builder.manager;
        this.tiers = Set.copyOf(builder.tiers);
        this.defaultTier = builder.defaultTier;
        this.defaultPrefix = builder.defaultPrefix;
        this.adminRole = builder.adminRole;
        this.clock = builder.clock;
    }

    /** Starts an administration over the keys of {@code manager}. */
    public static Builder builder(ApiKeyManager manager) {
        return new Builder(manager);
    }

    /** The key manager whose keys this administers. */
    public ApiKeyManager manager() {
        return manager;
    }

    /** The role callers must hold. */
    public String adminRole() {
        return adminRole;
    }

    /**
     * The gateway routes of the HTTP API, each requiring {@link #adminRole()} and bodies of at
     * most {@link #MAX_BODY_BYTES}. Add them to the gateway's router in front of the adapter.
     */
    public List<Route> routes() {
        return List.of(
                route(KEYS_ROUTE, KEYS_PATH, "GET", "POST"),
                route(KEY_ROUTE, KEYS_PATH + "/{id}", "DELETE"),
                route(ROTATE_ROUTE, KEYS_PATH + "/{id}/rotate", "POST"),
                route(ALIAS_ROUTE, ALIAS_PATH, "POST"));
    }

    private Route route(String id, String pattern, String... methods) {
        return Route.builder(id, pattern)
                .methods(methods)
                .requireRoles(adminRole)
                .maxBodyBytes(MAX_BODY_BYTES)
                .build();
    }

    /**
     * One admin HTTP request, as an adapter sees it.
     *
     * @param method      the HTTP method
     * @param path        the normalized path inside the application, e.g. {@code /admin/keys}
     * @param contentType the request's {@code Content-Type}; nullable
     * @param body        the body, read up to {@link #MAX_BODY_BYTES} + 1 bytes
     * @param principal   the caller as the gateway admitted it; anonymous when unknown
     * @param context     request id and client address, for the security log
     * @param idempotencyKey the request's {@code Idempotency-Key} header; nullable
     */
    public record Call(String method, String path, String contentType, byte[] body,
            Principal principal, AdminContext context, String idempotencyKey) {
        public Call {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(context, "context");
        }
    }

    /**
     * What to send back: status, headers and body ({@code application/json} or
     * {@code application/problem+json}, as {@code Content-Type} in {@code headers} says; empty
     * for 204).
     */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public Reply {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }
    }

    /** The outcome of one administrative operation. */
    public sealed interface Result {
    }

    /** A key was created; its plaintext must be handed over now. */
    public record Created(NewApiKey key) implements Result {
    }

    /** Every stored key. */
    public record Listed(List<ApiKeyRecord> keys) implements Result {
        public Listed {
            keys = List.copyOf(keys);
        }
    }

    /** The key is revoked (by this call, or earlier when {@code alreadyRevoked}). */
    public record Revoked(ApiKeyRecord key, boolean alreadyRevoked) implements Result {
    }

    /** The key was rotated; the successor's plaintext must be handed over now. */
    public record Rotated(ApiKeyRotation.Rotated rotation, Duration grace) implements Result {
    }

    /** Nothing changed: {@code problem} says why (400 with field errors, 403, 404, 409, ...). */
    public record Refused(Problem problem) implements Result {
    }

    /** Serves one HTTP request of the admin API. Never throws for bad input. */
    public Reply handle(Call call) {
        String requestId = call.context().requestId();
        Result result;
        if (call.principal().isAnonymous()) {
            result = refuse(ErrorCode.MISSING_CREDENTIALS, "key administration requires an "
                    + "API key or token of a principal with role " + adminRole, requestId);
        } else if (!call.principal().roles().contains(adminRole)) {
            result = refuse(ErrorCode.FORBIDDEN, "key administration requires role "
                    + adminRole, requestId);
        } else if (call.body().length > MAX_BODY_BYTES) {
            result = new Refused(Problem.of(ErrorCode.PAYLOAD_TOO_LARGE, "the request body "
                    + "exceeds " + MAX_BODY_BYTES + " bytes", requestId)
                    .with("max_bytes", MAX_BODY_BYTES));
        } else if (call.body().length > 0 && !isJson(call.contentType())) {
            result = refuse(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "the request body must be application/json", requestId);
        } else {
            result = dispatch(call);
        }
        return reply(result, requestId);
    }

    private Result dispatch(Call call) {
        String requestId = call.context().requestId();
        String path = call.path();
        String method = call.method().toUpperCase(Locale.ROOT);
        if (path.equals(KEYS_PATH) || path.equals(ALIAS_PATH)) {
            if (method.equals("GET") && path.equals(KEYS_PATH)) {
                return list();
            }
            if (method.equals("POST")) {
                return parse(call.body())
                        .map(node -> createOnce(node, call))
                        .orElseGet(() -> malformed(requestId));
            }
        } else if (path.startsWith(KEYS_PATH + "/")) {
            String rest = path.substring(KEYS_PATH.length() + 1);
            int slash = rest.indexOf('/');
            if (slash < 0 && method.equals("DELETE")) {
                return revoke(rest, call.context());
            }
            if (slash > 0 && rest.substring(slash).equals("/rotate") && method.equals("POST")) {
                String keyId = rest.substring(0, slash);
                return parse(call.body())
                        .map(node -> rotateFrom(keyId, node, call.context()))
                        .orElseGet(() -> malformed(requestId));
            }
        }
        return refuse(ErrorCode.NOT_FOUND, "no admin operation " + method + " " + path,
                requestId);
    }

    /**
     * Creates a key from request fields ({@code owner}, {@code tier}, {@code roles},
     * {@code permissions}, {@code prefix}, {@code expires_in} such as {@code "30d"} or a number
     * of seconds, or {@code expires_at} as ISO-8601), validated as for the HTTP API.
     *
     * @return {@link Created} or {@link Refused}
     */
    public Result create(Map<String, ?> fields, AdminContext context) {
        return createFrom(JSON.valueToTree(fields), context);
    }

    private Result createOnce(JsonNode body, Call call) {
        String idempotencyKey = call.idempotencyKey();
        if (idempotencyKey == null) {
            return createFrom(body, call.context());
        }
        String requestId = call.context().requestId();
        if (idempotencyKey.isEmpty() || idempotencyKey.length() > 255
                || !idempotencyKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return invalid("the Idempotency-Key header is invalid",
                    List.of(Map.of("field", "Idempotency-Key", "message",
                            "must be 1 to 255 printable ASCII characters without spaces")),
                    requestId);
        }
        String slot = call.principal().id() + '\n' + idempotencyKey;
        String fingerprint = body.toString();
        Instant now = clock.instant();
        Creation claim = new Creation(fingerprint, now, null);
        Creation earlier = creations.asMap().compute(slot, (key, existing) ->
                existing == null || !now.isBefore(existing.at().plus(IDEMPOTENCY_WINDOW))
                        ? claim : existing);
        if (earlier != claim) {
            if (!earlier.fingerprint().equals(fingerprint)) {
                return refuse(ErrorCode.CONFLICT, "this Idempotency-Key was used for a "
                        + "different request", requestId);
            }
            if (earlier.keyId() == null) {
                return refuse(ErrorCode.CONFLICT, "a request with this Idempotency-Key is "
                        + "still in progress", requestId);
            }
            return new Refused(Problem.of(ErrorCode.CONFLICT, "this request already created "
                    + "key " + earlier.keyId() + "; its plaintext was shown once and is not "
                    + "shown again (revoke the key if it was lost)", requestId)
                    .with("key_id", earlier.keyId()));
        }
        Result result;
        try {
            result = createFrom(body, call.context());
        } catch (RuntimeException e) {
            creations.asMap().remove(slot, claim);
            throw e;
        }
        if (result instanceof Created created) {
            creations.put(slot, new Creation(fingerprint, now, created.key().keyId()));
        } else {
            // Nothing was created, so a corrected request may use the same key.
            creations.asMap().remove(slot, claim);
        }
        return result;
    }

    private Result createFrom(JsonNode body, AdminContext context) {
        String requestId = context.requestId();
        if (!body.isObject()) {
            return invalid("the request body must be a JSON object", List.of(), requestId);
        }
        Errors errors = new Errors();
        unknownFields(body, CREATE_FIELDS, errors);
        String owner = text(body, "owner", errors);
        String principal = text(body, "principal", errors);
        if (owner != null && principal != null && !owner.equals(principal)) {
            errors.add("/principal", "contradicts owner; give one of them");
        }
        owner = owner != null ? owner : principal;
        if (owner == null) {
            if (!errors.has("/owner") && !errors.has("/principal")) {
                errors.add("/owner", "is required");
            }
        } else if (owner.isBlank() || owner.length() > MAX_OWNER_LENGTH
                || !owner.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            errors.add(body.has("owner") ? "/owner" : "/principal", "must be 1 to "
                    + MAX_OWNER_LENGTH + " printable characters");
            owner = null;
        }
        String tier = text(body, "tier", errors);
        if (tier == null && !errors.has("/tier")) {
            tier = defaultTier;
            if (tier == null) {
                errors.add("/tier", "is required");
            }
        } else if (tier != null && !tiers.isEmpty() && !tiers.contains(tier)) {
            errors.add("/tier", "unknown tier '" + tier + "'; known: " + new TreeSet<>(tiers));
            tier = null;
        }
        Set<String> roles = names(body, "roles", errors);
        Set<String> permissions = names(body, "permissions", errors);
        String prefix = text(body, "prefix", errors);
        if (prefix == null) {
            prefix = defaultPrefix;
        } else {
            try {
                prefix = manager.format().prefix(prefix);
            } catch (IllegalArgumentException e) {
                errors.add("/prefix", "unknown prefix '" + prefix + "'; known: "
                        + manager.format().prefixes());
            }
        }
        Duration lifetime = lifetime(body, errors);
        if (!errors.isEmpty()) {
            return invalid("the key request is invalid", errors.list, requestId);
        }
        ApiKeySpec spec = new ApiKeySpec(owner, tier, roles, permissions, lifetime, List.of(),
                List.of());
        return new Created(manager.create(prefix, spec, context));
    }

    private Duration lifetime(JsonNode body, Errors errors) {
        JsonNode in = body.get("expires_in");
        JsonNode at = body.get("expires_at");
        boolean hasIn = in != null && !in.isNull();
        boolean hasAt = at != null && !at.isNull();
        if (hasIn && hasAt) {
            errors.add("/expires_at", "give expires_in or expires_at, not both");
            return null;
        }
        if (hasIn) {
            Optional<Duration> parsed = duration(in);
            if (parsed.isEmpty() || parsed.get().compareTo(MAX_LIFETIME) > 0) {
                errors.add("/expires_in", "must be a duration such as \"30d\", \"12h\", \"15m\", "
                        + "\"PT90M\" or a positive number of seconds, at most "
                        + MAX_LIFETIME.toDays() + " days");
                return null;
            }
            return parsed.get();
        }
        if (hasAt) {
            Instant now = clock.instant();
            try {
                Instant expires = Instant.parse(at.asText());
                if (!at.isTextual() || !expires.isAfter(now)
                        || Duration.between(now, expires).compareTo(MAX_LIFETIME) > 0) {
                    errors.add("/expires_at", "must be an ISO-8601 instant in the future, at "
                            + "most " + MAX_LIFETIME.toDays() + " days ahead");
                    return null;
                }
                return Duration.between(now, expires);
            } catch (DateTimeParseException e) {
                errors.add("/expires_at", "must be an ISO-8601 instant such as "
                        + "\"2030-01-31T00:00:00Z\"");
            }
        }
        return null;
    }

    /** Every stored key, in key id order. */
    public Result list() {
        return new Listed(manager.list());
    }

    /**
     * Revokes key {@code keyId} at once.
     *
     * @return {@link Revoked} (also when it was revoked before) or a 404 {@link Refused}
     */
    public Result revoke(String keyId, AdminContext context) {
        Optional<ApiKeyRecord> before = manager.find(keyId);
        if (before.isEmpty()) {
            return unknownKey(keyId, context.requestId());
        }
        boolean already = before.get().revoked();
        return manager.revoke(keyId, context)
                .<Result>map(record -> new Revoked(record, already))
                .orElseGet(() -> unknownKey(keyId, context.requestId()));
    }

    /**
     * Rotates key {@code keyId} with the request fields {@code grace_seconds} (a number) or
     * {@code grace} (a duration such as {@code "1h"}); {@link #DEFAULT_GRACE} when neither.
     *
     * @return {@link Rotated} or {@link Refused} (400, 404, 409)
     */
    public Result rotate(String keyId, Map<String, ?> fields, AdminContext context) {
        return rotateFrom(keyId, JSON.valueToTree(fields), context);
    }

    private Result rotateFrom(String keyId, JsonNode body, AdminContext context) {
        String requestId = context.requestId();
        if (body.isNull() || body.isMissingNode()) {
            body = JSON.createObjectNode();
        }
        if (!body.isObject()) {
            return invalid("the request body must be a JSON object", List.of(), requestId);
        }
        Errors errors = new Errors();
        unknownFields(body, ROTATE_FIELDS, errors);
        Duration grace = DEFAULT_GRACE;
        JsonNode seconds = body.get("grace_seconds");
        JsonNode text = body.get("grace");
        if (seconds != null && text != null) {
            errors.add("/grace", "give grace_seconds or grace, not both");
        } else if (seconds != null) {
            if (!seconds.isIntegralNumber() || seconds.asLong() < 0
                    || seconds.asLong() > MAX_GRACE.toSeconds()) {
                errors.add("/grace_seconds", "must be a whole number of seconds from 0 to "
                        + MAX_GRACE.toSeconds());
            } else {
                grace = Duration.ofSeconds(seconds.asLong());
            }
        } else if (text != null) {
            Optional<Duration> parsed = text.isTextual() && text.asText().equals("0")
                    ? Optional.of(Duration.ZERO) : duration(text);
            if (parsed.isEmpty() || parsed.get().compareTo(MAX_GRACE) > 0) {
                errors.add("/grace", "must be a duration such as \"1h\", \"30m\" or \"0\", at "
                        + "most " + MAX_GRACE.toDays() + " days");
            } else {
                grace = parsed.get();
            }
        }
        if (!errors.isEmpty()) {
            return invalid("the rotation request is invalid", errors.list, requestId);
        }
        ApiKeyRotation rotation = manager.rotate(keyId, grace, context);
        if (rotation instanceof ApiKeyRotation.Rotated rotated) {
            return new Rotated(rotated, grace);
        }
        if (rotation instanceof ApiKeyRotation.AlreadyRotated already) {
            return new Refused(Problem.of(ErrorCode.CONFLICT, "key " + keyId
                    + " was already rotated to " + already.previous().rotatedTo()
                    + "; the successor's key was shown then and is not shown again",
                    requestId).with("rotated_to", already.previous().rotatedTo()));
        }
        if (rotation instanceof ApiKeyRotation.NotRotatable not) {
            return refuse(ErrorCode.CONFLICT, "key " + keyId + " cannot be rotated: "
                    + not.reason(), requestId);
        }
        return unknownKey(keyId, requestId);
    }

    /**
     * What an administrator sees of a key: {@code id}, {@code owner}, {@code tier},
     * {@code roles}, {@code permissions}, {@code status} at {@code now}, {@code masked_key}
     * (prefix and last four characters at most), {@code created}, {@code expires},
     * {@code last_used}, {@code revoked} (ISO-8601 or null) and {@code rotated_to}. Never the
     * hash or the key.
     */
    public static Map<String, Object> view(ApiKeyRecord record, Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", record.keyId());
        view.put("owner", record.principalId());
        view.put("tier", record.tier());
        view.put("roles", new TreeSet<>(record.roles()));
        view.put("permissions", new TreeSet<>(record.permissions()));
        view.put("status", record.statusAt(now).name().toLowerCase(Locale.ROOT));
        view.put("masked_key", record.hint());
        view.put("created", record.createdAt().toString());
        view.put("expires", text(record.expiresAt()));
        view.put("last_used", text(record.lastUsedAt()));
        view.put("revoked", text(record.revokedAt()));
        view.put("rotated_to", record.rotatedTo());
        return view;
    }

    /**
     * The HTTP answer to {@code result}: 201 for a created key, 200 for a list or a rotation
     * (with {@code api_key}, shown once), 204 for a revocation, the problem otherwise. Every
     * answer is marked {@code Cache-Control: no-store}.
     */
    public Reply reply(Result result, String requestId) {
        Instant now = clock.instant();
        if (result instanceof Created created) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("api_key", created.key().plaintext());
            body.putAll(view(created.key().record(), now));
            body.put("notice", NOTICE);
            return json(201, body);
        }
        if (result instanceof Listed listed) {
            List<Map<String, Object>> keys = new ArrayList<>();
            for (ApiKeyRecord record : listed.keys()) {
                keys.add(view(record, now));
            }
            return json(200, Map.of("keys", keys));
        }
        if (result instanceof Revoked) {
            return new Reply(204, NO_STORE, new byte[0]);
        }
        if (result instanceof Rotated rotated) {
            NewApiKey successor = rotated.rotation().successor();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("api_key", successor.plaintext());
            body.putAll(view(successor.record(), now));
            body.put("grace_seconds", rotated.grace().toSeconds());
            body.put("previous", view(rotated.rotation().previous(), now));
            body.put("notice", NOTICE);
            return json(200, body);
        }
        Problem problem = ((Refused) result).problem();
        if (!problem.requestId().equals(requestId)) {
            problem = new Problem(problem.code(), problem.status(), problem.detail(), requestId,
                    problem.extensions());
        }
        return new Reply(problem.status(), Map.of("Content-Type", Problem.MEDIA_TYPE,
                "Cache-Control", "no-store"), problem.toJson());
    }

    private static Reply json(int status, Object body) {
        try {
            return new Reply(status, Map.of("Content-Type", "application/json",
                    "Cache-Control", "no-store"), JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("admin reply could not be serialized", e);
        }
    }

    /**
     * A duration as the admin API and command line accept it: whatever
     * {@link ApiKeySpec#parseLifetime(String)} accepts ({@code 30d}, {@code 12h}, {@code PT90M}),
     * or a whole number of seconds (a JSON number or digits).
     */
    private static Optional<Duration> duration(JsonNode node) {
        if (node.isIntegralNumber()) {
            long seconds = node.asLong();
            return node.canConvertToLong() && seconds > 0
                    ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        }
        if (!node.isTextual()) {
            return Optional.empty();
        }
        String text = node.asText().strip();
        if (text.matches("[1-9][0-9]{0,9}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
        }
        try {
            return Optional.of(ApiKeySpec.parseLifetime(text));
        } catch (IllegalArgumentException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    private static Optional<JsonNode> parse(byte[] body) {
        if (body.length == 0) {
            return Optional.of(JSON.createObjectNode());
        }
        try {
            JsonNode node = JSON.readTree(body);
            return Optional.ofNullable(node == null || node.isMissingNode()
                    ? JSON.createObjectNode() : node);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Result malformed(String requestId) {
        return invalid("the request body is not well-formed JSON (or repeats a member)",
                List.of(), requestId);
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private static void unknownFields(JsonNode body, Set<String> known, Errors errors) {
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add("/" + name, "is not a known field; known: " + new TreeSet<>(known));
            }
        }
    }

    private static String text(JsonNode body, String field, Errors errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add("/" + field, "must be a string");
            return null;
        }
        return node.asText();
    }

    private static Set<String> names(JsonNode body, String field, Errors errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Set.of();
        }
        if (!node.isArray() || node.size() > MAX_GRANTS) {
            errors.add("/" + field, "must be an array of at most " + MAX_GRANTS + " names");
            return Set.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode name = node.get(i);
            if (!name.isTextual() || !NAME.matcher(name.asText()).matches()) {
                errors.add("/" + field + "/" + i, "must be a name of letters, digits and "
                        + ":._/- (at most 64 characters)");
            } else {
                names.add(name.asText());
            }
        }
        return names;
    }

    private static Result unknownKey(String keyId, String requestId) {
        return refuse(ErrorCode.NOT_FOUND, "no API key with id " + keyId, requestId);
    }

    private static Result refuse(ErrorCode code, String detail, String requestId) {
        return new Refused(Problem.of(code, detail, requestId));
    }

    private static Result invalid(String detail, List<Map<String, String>> errors,
            String requestId) {
        Problem problem = Problem.of(ErrorCode.VALIDATION_ERROR, detail, requestId);
        return new Refused(errors.isEmpty() ? problem : problem.with("errors", errors));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static ObjectMapper jsonMapper() {
        ObjectMapper mapper = JsonMappers.newMapper();
        // {"tier":"free","tier":"enterprise"} must not mean whichever a parser keeps.
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).build());
        return mapper;
    }

    /** Field errors in the order found. Not thread-safe. */
    private static final class Errors {
        private final List<Map<String, String>> list = new ArrayList<>();

        void add(String field, String message) {
            Map<String, String> error = new LinkedHashMap<>(4);
            error.put("field", field);
            error.put("message", message);
            list.add(error);
        }

        boolean has(String field) {
            return list.stream().anyMatch(error -> error.get("field").equals(field));
        }

        boolean isEmpty() {
            return list.isEmpty();
        }
    }

    /** Collects an administration's settings. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyManager manager;
        private final Set<String> tiers = new LinkedHashSet<>();
        private String defaultTier;
        private String defaultPrefix = "sk_live_";
        private String adminRole = ADMIN_ROLE;
        private Clock clock = Clock.systemUTC();

        private Builder(ApiKeyManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        /**
         * The tiers a key may be created on; any non-blank tier when none are given (then a
         * typo creates a key that the rate limiter does not know).
         */
        public Builder tiers(Collection<String> tiers) {
            this.tiers.addAll(tiers);
            return this;
        }

        /** The tier of keys whose request names none; without one, {@code tier} is required. */
        public Builder defaultTier(String tier) {
            this.defaultTier = Objects.requireNonNull(tier, "tier");
            return this;
        }

        /** The prefix of keys whose request names none; {@code sk_live_} by default. */
        public Builder defaultPrefix(String prefix) {
            this.defaultPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The role callers must hold; {@value KeyAdministration#ADMIN_ROLE} by default. */
        public Builder adminRole(String role) {
            if (role == null || role.isBlank()) {
                throw new IllegalArgumentException("the admin role must be a non-blank name");
            }
            this.adminRole = role;
            return this;
        }

        /** The clock for key status and {@code expires_at}; use the manager's. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the administration.
         *
         * @throws IllegalArgumentException naming the value when the default prefix is unknown
         *     or the default tier is not one of the tiers
         */
        public KeyAdministration build() {
            defaultPrefix = manager.format().prefix(defaultPrefix);
            if (defaultTier != null && !tiers.isEmpty() && !tiers.contains(defaultTier)) {
                throw new IllegalArgumentException("default tier '" + defaultTier
                        + "' is not one of the tiers " + tiers);
            }
            return new KeyAdministration(this);
        }
    }
}
