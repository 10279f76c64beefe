package io.gatehouse.examples;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The command line of the example jar, parsed. Accepts {@code --name value} and
 * {@code --name=value}.
 *
 * <p>Immutable.
 */
sealed interface Options {

    /**
     * Default listen address: this machine only. The demo keys are public (they are in the
     * README), so listening on every interface ({@code --host 0.0.0.0}) is an explicit choice.
     */
    String DEFAULT_HOST = "127.0.0.1";
    /** Default listen port. */
    int DEFAULT_PORT = 8080;

    /** The usage text printed by {@code --help} and after a bad option. */
    String USAGE = """
            Usage: java -jar gateway-examples.jar [--host HOST] [--port PORT] [--config FILE]
                              [--keys-file FILE | --redis-url URL] [--drain-seconds N]
                              [--agent-url URL] [--inference-url URL] [--agent-delay-ms MS]
                              [--rate-limit-minute N] [--rate-limit-hour N]
                              [--cors-origins A,B] [--log-level LEVEL]
                              [--max-connections-per-address N] [--log-format text|json]
                              [--header-timeout-ms MS] [--body-timeout-ms MS]
                   java -jar gateway-examples.jar keys COMMAND ...   (keys --help for more)
                   java -jar gateway-examples.jar agent-service [--host H] [--port P]
                                                  [--delay-ms MS]
                   java -jar gateway-examples.jar embedding-service [--host H] [--port P]
                                                  (its key: environment INFERENCE_API_KEY)

            Runs the Gatehouse gateway (embedded Jetty) in front of the demo agent and embedding
            services, which it starts on free loopback ports unless given their URLs.
            Flags win over environment variables, which win over the configuration file
            (docs/configuration.md).

              --host HOST        address to listen on (default 127.0.0.1; 0.0.0.0: every
                                 interface)
              --port PORT        port to listen on, 0 for any free port (default 8080; PORT)
              --config FILE      the gateway's YAML configuration (default: the built-in
                                 gatehouse.yaml; GATEHOUSE_CONFIG)
              --agent-url URL    use this agent service instead of starting the demo one
                                 (AGENT_SERVICE_URL)
              --inference-url URL
                                 use this embedding service instead of starting the demo one
                                 (INFERENCE_SERVICE_URL; its key: INFERENCE_API_KEY)
              --agent-delay-ms MS
                                 the started demo agent waits this long per answer (default 0;
                                 AGENT_DELAY_MS)
              --rate-limit-minute N
                                 add a per-minute limit of N to every tier
                                 (RATE_LIMIT_PER_MINUTE)
              --rate-limit-hour N
                                 every tier's per-hour limit (RATE_LIMIT_PER_HOUR)
              --cors-origins A,B allow browser calls from these origins (ALLOWED_ORIGINS)
              --log-level LEVEL  TRACE, DEBUG, INFO (default), WARN or ERROR (LOG_LEVEL)
              --keys-file FILE   keep API keys (hashes only) in FILE, e.g. one written by
                                 'keys generate'; default: in memory, for this run only
              --redis-url URL    keep API keys, limits and usage in Redis (redis://host:port),
                                 shared with 'keys --redis-url URL' and other gateways
                                 (REDIS_URL)
              --log-format F     'text' (default) or 'json': one JSON object per log line,
                                 access-log fields as members
              --drain-seconds N  on SIGTERM, let requests in flight finish for up to N
                                 seconds while refusing new connections (default 20)
              --max-connections-per-address N
                                 close connections of one client address beyond N
                                 (default 512, 0: no cap)
              --header-timeout-ms MS
                                 answer 408 and close when a request's headers take
                                 longer (default 10000, 0: only the idle timeout)
              --body-timeout-ms MS
                                 answer 408 when a body the gateway checks takes
                                 longer (default 10000)
              --help             print this help and exit

            Also from the environment only: JWT_SECRET (HS256, 32 bytes or more) or JWKS_URL
            (RS256/ES256) accept JWTs of issuer JWT_ISSUER (default gatehouse-example) for
            audience JWT_AUDIENCE (default gatehouse) on the same routes as API keys.
            """;

    /**
     * Start the gateway on {@code host}:{@code port}, with its API keys in {@code keysFile} or
     * in Redis at {@code redisUrl} (both nullable; neither: in memory).
     */
    record Run(String host, int port, String keysFile, String redisUrl, Http http,
            boolean jsonLogs, Launch launch)
            implements Options {
        public Run {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(http, "http");
            Objects.requireNonNull(launch, "launch");
        }

        /** The defaults of {@link Launch}. */
        public Run(String host, int port, String keysFile, String redisUrl, Http http,
                boolean jsonLogs) {
            this(host, port, keysFile, redisUrl, http, jsonLogs, Launch.DEFAULTS);
        }

        /** Default HTTP settings, text logs. */
        public Run(String host, int port, String keysFile, String redisUrl) {
            this(host, port, keysFile, redisUrl, Http.DEFAULTS, false);
        }

        /** Keys in memory. */
        public Run(String host, int port) {
            this(host, port, null, null);
        }
    }

    /**
     * How the server treats slow clients and shutdown.
     *
     * @param drainSeconds             how long requests in flight may finish after SIGTERM
     * @param maxConnectionsPerAddress open connections allowed per client address, 0: no cap
     * @param headerTimeoutMillis      how long a request head may take, 0: no deadline
     * @param bodyTimeoutMillis        how long a body the gateway checks may take
     */
    record Http(int drainSeconds, int maxConnectionsPerAddress, long headerTimeoutMillis,
            long bodyTimeoutMillis) {
        static final Http DEFAULTS = new Http(20, 512, 10_000, 10_000);

        public Http {
            if (drainSeconds < 0 || maxConnectionsPerAddress < 0 || headerTimeoutMillis < 0
                    || bodyTimeoutMillis <= 0) {
                throw new IllegalArgumentException("HTTP settings out of range: drain "
                        + drainSeconds + " s, " + maxConnectionsPerAddress + " connections, "
                        + headerTimeoutMillis + " ms, " + bodyTimeoutMillis + " ms");
            }
        }
    }

    /**
     * What the gateway fronts and how it is configured; every member nullable (not given).
     *
     * @param config         the YAML file; {@code null}: the built-in {@code gatehouse.yaml}
     * @param agentUrl       an external agent service; {@code null}: start the demo one
     * @param inferenceUrl   an external embedding service; {@code null}: start the demo one
     * @param agentDelayMillis how long the started demo agent waits per answer
     * @param perMinute      a per-minute limit added to every tier
     * @param perHour        every tier's per-hour limit
     * @param corsOrigins    origins allowed by CORS
     * @param jwtSecret      HS256 secret of accepted JWTs (environment only)
     * @param jwksUrl        JWK Set URL of accepted JWTs (environment only)
     * @param logLevel       the root log level
     */
    record Launch(Path config, String agentUrl, String inferenceUrl, long agentDelayMillis,
            Long perMinute, Long perHour, List<String> corsOrigins, String jwtSecret,
            String jwksUrl, String logLevel) {
        static final Launch DEFAULTS = new Launch(null, null, null, 0, null, null, null, null,
                null, null);

        public Launch {
            corsOrigins = corsOrigins == null ? null : List.copyOf(corsOrigins);
        }

        /** What these settings add to the configuration file. */
        ExampleConfig.Overrides overrides(Function<String, String> environment) {
            return new ExampleConfig.Overrides(perMinute, perHour, corsOrigins, jwtSecret,
                    jwksUrl, environment.apply("JWT_ISSUER"), environment.apply("JWT_AUDIENCE"));
        }
    }

    /** The environment variables read, each the same as a flag (docs/configuration.md). */
    List<String> ENVIRONMENT = List.of("PORT", "REDIS_URL", "GATEHOUSE_CONFIG",
            "AGENT_SERVICE_URL", "INFERENCE_SERVICE_URL", "RATE_LIMIT_PER_MINUTE",
            "RATE_LIMIT_PER_HOUR", "ALLOWED_ORIGINS", "LOG_LEVEL");

    /** Print the usage and exit successfully. */
    record Help() implements Options {
    }

    /** The command line is wrong; {@code message} says how, in one line. */
    record Bad(String message) implements Options {
        public Bad {
            Objects.requireNonNull(message, "message");
        }
    }

    /** Parses {@code args} with no environment; never throws for bad input. */
    static Options parse(String... args) {
        return parse(name -> null, args);
    }

    /**
     * Parses the environment variables of {@link #ENVIRONMENT} (and JWT_SECRET, JWKS_URL), then
     * {@code args}, a flag replacing the variable of the same setting; never throws for bad
     * input.
     */
    static Options parse(Function<String, String> environment, String... args) {
        String host = DEFAULT_HOST;
        int port = DEFAULT_PORT;
        String keysFile = null;
        String redisUrl = null;
        boolean jsonLogs = false;
        boolean redisFromFlag = false;
        String[] launch = new String[LAUNCH_FLAGS.size()];
        for (int i = 0; i < LAUNCH_FLAGS.size(); i++) {
            String value = environment.apply(LAUNCH_VARIABLES.get(i));
            launch[i] = value == null || value.isBlank() ? null : value.strip();
        }
        String envPort = environment.apply("PORT");
        if (envPort != null && !envPort.isBlank()) {
            port = port(envPort.strip());
            if (port < 0) {
                return new Bad("environment PORT must be a number from 0 to 65535, was '"
                        + envPort + "'");
            }
        }
        String envRedis = environment.apply("REDIS_URL");
        if (envRedis != null && !envRedis.isBlank()) {
            redisUrl = envRedis.strip();
        }
        long[] http = {Http.DEFAULTS.drainSeconds(), Http.DEFAULTS.maxConnectionsPerAddress(),
                Http.DEFAULTS.headerTimeoutMillis(), Http.DEFAULTS.bodyTimeoutMillis()};
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            switch (name) {
                case "--help", "-h" -> {
                    return new Help();
                }
                case "--keys-file", "--redis-url" -> {
                    if (value == null) {
                        if (i + 1 == args.length) {
                            return new Bad("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (value.isBlank()) {
                        return new Bad("option " + name + " needs a non-empty value");
                    }
                    if (name.equals("--keys-file")) {
                        keysFile = value;
                    } else {
                        redisUrl = value;
                        redisFromFlag = true;
                    }
                }
                case "--config", "--agent-url", "--inference-url", "--agent-delay-ms",
                        "--rate-limit-minute", "--rate-limit-hour", "--cors-origins",
                        "--log-level" -> {
                    if (value == null) {
                        if (i + 1 == args.length) {
                            return new Bad("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (value.isBlank()) {
                        return new Bad("option " + name + " needs a non-empty value");
                    }
                    launch[LAUNCH_FLAGS.indexOf(name)] = value.strip();
                }
                case "--log-format" -> {
                    if (value == null) {
                        if (i + 1 == args.length) {
                            return new Bad("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (!value.equals("text") && !value.equals("json")) {
                        return new Bad("option --log-format must be 'text' or 'json', was '"
                                + value + "'");
                    }
                    jsonLogs = value.equals("json");
                }
                case "--drain-seconds", "--max-connections-per-address", "--header-timeout-ms",
                        "--body-timeout-ms" -> {
                    if (value == null) {
                        if (i + 1 == args.length) {
                            return new Bad("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    long number = count(value);
                    boolean zeroAllowed = !name.equals("--body-timeout-ms");
                    if (number < (zeroAllowed ? 0 : 1)) {
                        return new Bad("option " + name + " must be a whole number from "
                                + (zeroAllowed ? 0 : 1) + " to 999999999, was '" + value + "'");
                    }
                    int slot = switch (name) {
                        case "--drain-seconds" -> 0;
                        case "--max-connections-per-address" -> 1;
                        case "--header-timeout-ms" -> 2;
                        default -> 3;
                    };
                    http[slot] = number;
                }
                case "--host", "--port" -> {
                    if (value == null) {
                        if (i + 1 == args.length) {
                            return new Bad("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (name.equals("--host")) {
                        if (value.isBlank()) {
                            return new Bad("option --host needs a non-empty value");
                        }
                        host = value;
                    } else {
                        port = port(value);
                        if (port < 0) {
                            return new Bad("option --port must be a number from 0 to 65535, was '"
                                    + value + "'");
                        }
                    }
                }
                default -> {
                    return new Bad(arg.startsWith("-")
                            ? "unknown option '" + arg + "'"
                            : "unexpected argument '" + arg + "'");
                }
            }
        }
        if (keysFile != null && redisUrl != null && !redisFromFlag) {
            redisUrl = null; // the flag --keys-file wins over the environment's REDIS_URL
        }
        if (keysFile != null && redisUrl != null) {
            return new Bad("give --keys-file or --redis-url, not both");
        }
        Long[] numbers = new Long[3];
        for (int slot = 3; slot <= 5; slot++) {
            if (launch[slot] == null) {
                continue;
            }
            long number = count(launch[slot]);
            long least = slot == 3 ? 0 : 1;
            if (number < least) {
                return new Bad("option " + LAUNCH_FLAGS.get(slot) + " ("
                        + LAUNCH_VARIABLES.get(slot) + ") must be a whole number from " + least
                        + " to 999999999, was '" + launch[slot] + "'");
            }
            numbers[slot - 3] = number;
        }
        for (int slot : new int[] {1, 2}) {
            if (launch[slot] != null && !launch[slot].startsWith("http://")
                    && !launch[slot].startsWith("https://")) {
                return new Bad("option " + LAUNCH_FLAGS.get(slot) + " ("
                        + LAUNCH_VARIABLES.get(slot) + ") must be an http:// or https:// URL, "
                        + "was '" + launch[slot] + "'");
            }
        }
        String level = launch[7];
        if (level != null && !List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")
                .contains(level.toUpperCase(java.util.Locale.ROOT))) {
            return new Bad("option --log-level (LOG_LEVEL) must be TRACE, DEBUG, INFO, WARN, "
                    + "ERROR or OFF, was '" + level + "'");
        }
        List<String> origins = launch[6] == null ? null : Arrays.stream(launch[6].split(","))
                .map(String::strip).filter(origin -> !origin.isEmpty()).toList();
        String secret = environment.apply("JWT_SECRET");
        String jwks = environment.apply("JWKS_URL");
        Launch settings = new Launch(launch[0] == null ? null : Path.of(launch[0]), launch[1],
                launch[2], numbers[0] == null ? 0 : numbers[0], numbers[1], numbers[2], origins,
                secret == null || secret.isEmpty() ? null : secret,
                jwks == null || jwks.isBlank() ? null : jwks.strip(),
                level == null ? null : level.toUpperCase(java.util.Locale.ROOT));
        return new Run(host, port, keysFile, redisUrl,
                new Http((int) http[0], (int) http[1], http[2], http[3]), jsonLogs, settings);
    }

    /** The flags of {@link Launch}, each at the index of its environment variable. */
    List<String> LAUNCH_FLAGS = List.of("--config", "--agent-url", "--inference-url",
            "--agent-delay-ms", "--rate-limit-minute", "--rate-limit-hour", "--cors-origins",
            "--log-level");
    /** The environment variables of {@link #LAUNCH_FLAGS}, index by index. */
    List<String> LAUNCH_VARIABLES = List.of("GATEHOUSE_CONFIG", "AGENT_SERVICE_URL",
            "INFERENCE_SERVICE_URL", "AGENT_DELAY_MS", "RATE_LIMIT_PER_MINUTE",
            "RATE_LIMIT_PER_HOUR", "ALLOWED_ORIGINS", "LOG_LEVEL");

    /** The number in {@code text} (at most 9 digits), or -1 if it is not one. */
    private static long count(String text) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(text);
    }

    /** The port in {@code text}, or -1 if it is not one. */
    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port <= 65_535 ? port : -1;
    }
}
