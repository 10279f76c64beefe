/**
 * The YAML front door: {@link io.gatehouse.config.GatewayConfig} reads a file into the same
 * objects the Java builders make (routes, tiers and limits, API keys, JWT issuers, the
 * brute-force guard), and {@link io.gatehouse.config.GatewayConfig#gatewayBuilder()} turns them
 * into a gateway.
 *
 * <h2>Using a file</h2>
 * <ul>
 *   <li>Servlet filter: init parameter or system property {@code gatehouse.config} naming the
 *       file; nothing else is needed.</li>
 *   <li>Code: {@code GatewayConfig.load(path).gatewayBuilder().build()}; limits are decided in
 *       memory and API keys kept in the store the file names.</li>
 *   <li>Several gateways sharing state: {@code config.gatewayBuilder(limitStore, apiKeyStore)},
 *       e.g. with the stores of {@code io.gatehouse.redis.RedisBackend}.</li>
 *   <li>Key management over the same store: an {@link io.gatehouse.auth.ApiKeyManager} built
 *       with {@link io.gatehouse.config.GatewayConfig#keyHasher()}.</li>
 * </ul>
 *
 * <p>Loading checks every value and fails with a
 * {@link io.gatehouse.config.GatewayConfigException} naming the location and the value, e.g.
 * {@code tiers.free[0].period: '5x' is not a duration}. Unknown keys are errors (except at the
 * top level, where other parts of Gatehouse may keep their own sections), and so are duplicate
 * keys. Secrets (the pepper, plaintext keys, HMAC secrets) are accepted only from environment
 * variables and are never repeated in an error message.
 *
 * <h2>The format, annotated</h2>
 * <pre>{@code
 * # Every value may read the environment: ${NAME} (required) or ${NAME:-default} (used when
 * # NAME is unset or empty); $${NAME} is the literal text ${NAME}. Variables are expanded after
 * # parsing, so a value can never add structure. Inside [...] or {...} quote such values:
 * # roles: ["${ROLE}"].
 *
 * # Peers whose forwarding header is believed (IPs or CIDR blocks), and the one header they
 * # write: X-Forwarded-For (default; nginx, cloud load balancers) or Forwarded. The other
 * # header is never read.
 * trusted_proxies: ["10.0.0.0/8"]
 * forwarded_header: X-Forwarded-For
 *
 * # Paths no route matches: pass_through (default; the application behind the filter serves
 * # them, untouched by the gateway) or not_found (404 from the gateway).
 * unmatched_paths: pass_through
 * # Whether the application behind the filter still sees the credential the gateway checked
 * # (X-API-Key, Authorization, Signature, Signature-Input). Default false: those fields are
 * # hidden and the caller is in the request attribute io.gatehouse.principal. Upstream
 * # services have their own forward_client_credentials.
 * forward_client_credentials: false
 *
 * routes:                                # required, at least one; matched most specific first
 *   - id: invocations                    # required, unique; used in logs, metrics and keys
 *     methods: [POST]                    # default: any method
 *     path: /invocations                 # required; patterns such as /v1/{name} or /files/**
 *     public: false                      # default false: credentials required (else 401)
 *     roles: [agent-user]                # all required, else 403
 *     permissions: ["invocations:write"] # all required, else 403
 *     max_body_bytes: ${MAX_BODY:-1048576}  # default 1 MiB; larger bodies get 413 unread
 *     cost: 1                            # units taken from cost-weighted limits; default 1
 *     allow_from: ["0.0.0.0/0", "::/0"]  # client address blocks allowed; default anywhere
 *     deny_from: ["192.0.2.0/24"]        # refused even when allowed
 *     validate:
 *       content_types: [application/json]  # else 415
 *       json:                            # well-formed JSON, else 400; or json: true
 *         max_depth: 32
 *         required: {prompt: string, context: object}  # types: string, number, boolean,
 *                                                       # object, array, any
 *     limits:                            # route limits, on top of the caller's tier
 *       - {name: route-total, algorithm: fixed_window, limit: 10000, period: 1m, scope: global}
 *   - id: health
 *     methods: [GET]
 *     path: /health
 *     public: true
 *
 * # Include the five preset tiers of io.gatehouse.limit.Tiers (free, basic, premium,
 * # enterprise, system). true | false | {zone: Europe/Berlin} (zone of their daily windows).
 * presets: false
 *
 * # Tiers (plans): tier name -> list of limits. A tier named like a preset replaces it.
 * # Each limit:
 * #   name            required; unique within its tier or route; appears in RateLimit headers
 * #   algorithm       token_bucket (default), sliding_window, sliding_log, fixed_window,
 * #                   concurrency
 * #   limit           required; units per period (requests in flight for concurrency)
 * #   period          a whole number and a unit: ms, s, m, h, d (500ms, 1s, 1m, 1h, 1d, 30d);
 * #                   1ms to 400d; for concurrency, how long an unreleased lease lives
 * #   burst           token_bucket only: capacity when bursts may exceed the limit
 * #   scope           principal (default), credential, client_address, route, global
 * #   failure_policy  fail_open (default), fail_closed, local_fallback: when the store fails
 * #   shadow          true: decide and report, never refuse (default false)
 * #   count_requests  true: every request counts 1, whatever its route's cost (default false)
 * #   calendar        day, week (from Monday) or month, instead of period: a fixed_window
 * #                   that resets on the calendar
 * #   zone            the time zone of a calendar limit; default UTC
 * tiers:
 *   free:
 *     - {name: per-hour, algorithm: sliding_log, limit: 10, period: 1h}
 *     - {name: burst, algorithm: token_bucket, limit: 1, period: 1s, burst: 5,
 *        count_requests: true}
 *   premium:
 *     - {name: per-hour, algorithm: sliding_log, limit: "${PREMIUM_PER_HOUR:-100}", period: 1h}
 *     - {name: per-month, limit: 50000, calendar: month, zone: Europe/Berlin}
 *     - {name: in-flight, algorithm: concurrency, limit: 5, period: 10m}
 *   enterprise:
 *     - {name: per-hour, algorithm: sliding_window, limit: 1000, period: 1h,
 *        failure_policy: local_fallback}
 *
 * # How many gateways share each limit (default 1). While the limit store fails, a limit with
 * # failure_policy local_fallback grants each gateway ceil(limit / fallback_instances): keep it
 * # equal to the number of replicas (docs/operations.md states the bound). 1 to 10000.
 * fallback_instances: ${GATEHOUSE_REPLICAS:-1}
 *
 * # Optional: the tier of principals whose tier is not configured. Without it such a principal
 * # is refused (500), never left unlimited.
 * unknown_tier: free
 *
 * api_keys:
 *   # Keys are stored and looked up as HMAC-SHA256(pepper, key), or SHA-256(key) when the
 *   # pepper is empty. The pepper (16 bytes or more) must come from the environment.
 *   pepper: ${GATEHOUSE_PEPPER:-}
 *   # Empty: keys live in memory. A path: a JSON file of hashes, kept across restarts.
 *   file: ${GATEHOUSE_KEY_FILE:-}
 *   keys:
 *     # Preferred: the hash only, so no key sits in the file. Compute it with
 *     #   printf %s "$KEY" | sha256sum                                  (no pepper)
 *     #   printf %s "$KEY" | openssl dgst -sha256 -hmac "$GATEHOUSE_PEPPER"  (with a pepper)
 *     - id: kid_alice                    # required, unique: the public key id
 *       owner: alice                     # required: the principal
 *       tier: premium                    # required: a configured tier (or unknown_tier)
 *       roles: [agent-user]
 *       permissions: ["invocations:write"]
 *       hash: 5feb89c42cd706000626d53195bbe096ce8d1b01390d1b90bb7d3589591c16f5
 *       hint: "****"                     # display form, never the key; default ****
 *       expires: 2027-01-01T00:00:00Z    # optional, ISO-8601
 *       allow_from: ["203.0.113.0/24"]   # optional client address lists of this key
 *       deny_from: []
 *     # Or: the key itself, from an environment variable (named here; the key is hashed on
 *     # loading and the plaintext is not kept).
 *     - id: kid_bob
 *       owner: bob
 *       tier: free
 *       roles: [agent-user]
 *       plaintext_env: BOB_API_KEY
 *   # Loading saves these keys to the key store. A key already stored keeps its id, creation
 *   # time, revocation, rotation and any earlier expiry; the file sets owner, tier, roles,
 *   # permissions and address lists.
 *
 * jwt:
 *   clock_skew: 60s                      # default 60s, at most 5m
 *   max_token_bytes: 8192                # default 8192
 *   issuers:
 *     - issuer: https://login.example.com/   # exact iss
 *       audiences: [gatehouse]               # required; aud must contain one
 *       algorithms: [RS256, ES256]           # required allow-list
 *       jwks_url: https://login.example.com/.well-known/jwks.json
 *       # exactly one key source: jwks_url (https, or http to loopback), keys_file (a JWK Set
 *       # file of public keys), or hmac_secret: ${JWT_SECRET} (32 bytes or more, from the
 *       # environment only) with an optional hmac_key_id
 *       type: at+jwt                         # optional required typ
 *       default_tier: free                   # tier when the token has no tier claim
 *       claims: {subject: sub, tier: tier, roles: roles, permissions: permissions,
 *                scope: scope}
 *       jwks_ttl: 10m
 *       jwks_min_refresh_interval: 30s
 *       connect_timeout: 2s
 *       read_timeout: 3s
 *
 * # RFC 9421 HTTP Message Signatures (Signature-Input / Signature), tried after API keys and JWTs.
 * signatures:
 *   required_components: ["@method", "@authority", "@path"]  # the default
 *   require_content_digest: true         # requests with a body must cover content-digest
 *   max_age: 5m                          # oldest created accepted
 *   clock_skew: 30s                      # at most 5m
 *   require_nonce: true                  # replay protection (nonces remembered in memory)
 *   scheme: https                        # the scheme clients used, for @scheme/@target-uri
 *   keys:
 *     - key_id: partner-1                # the keyid signers name
 *       algorithm: hmac-sha256           # hmac-sha256, ed25519, ecdsa-p256-sha256,
 *                                        # rsa-pss-sha512
 *       secret: ${PARTNER_1_SECRET}      # hmac-sha256 only: 32 bytes or more, from the
 *                                        # environment only
 *       owner: partner-1
 *       tier: premium
 *       roles: [agent-user]
 *     - key_id: partner-2
 *       algorithm: ed25519
 *       public_key_file: ${PARTNER_2_KEY:-/etc/gatehouse/partner-2.pem}  # PEM "PUBLIC KEY"
 *       owner: partner-2
 *       tier: free
 *
 * # Brute-force protection: refused credentials per client address; once used up, the address
 * # gets 429 without its credentials being checked. On by default (10 per 1m) whenever API keys,
 * # JWTs or signatures are configured.
 * auth_failures:
 *   enabled: true
 *   max_failures: 10
 *   period: 1m
 *   max_tracked_addresses: 100000
 *
 * # Upstream services (forwarded by the gateway-proxy module). A route forwards to one with
 * #   service: inference                 # instead of the local application
 * #   rewrite: {strip_prefix: /v1}       # or {replace_prefix: /a, with: /b},
 * #                                      # or {regex: "^/a/(.*)$", replacement: "/$1"}
 * #   timeouts: {total: 2m}              # the route's own, replacing the service's
 * # Every key and default: docs/proxying.md.
 * services:
 *   inference:
 *     endpoints: [http://127.0.0.1:9001, {url: "http://127.0.0.1:9002", weight: 2}]
 *     balancing: least_outstanding       # round_robin, weighted
 *     timeouts: {connect: 2s, response_headers: 30s, idle: 60s, total: 0s}
 *     retry: {attempts: 2, backoff: 25ms, max_backoff: 250ms, max_replay_bytes: 65536}
 *     circuit_breaker: {failure_rate: 50, window: 20, minimum_calls: 10, open_for: 10s}
 *     health: {consecutive_failures: 5, eject_for: 10s, probe: {path: /health, interval: 5s}}
 *     host: endpoint                     # preserve, or a fixed host name
 *     credential: {header: Authorization, value: "Bearer ${INFERENCE_KEY:-none}"}
 *     usage: {header: X-Usage-Tokens}    # or {last_event: /usage/total_tokens}
 *
 * # Any other top-level section (e.g. redis) is not interpreted here: read it with
 * # GatewayConfig.section("redis").
 * }</pre>
 */
package io.gatehouse.config;
