package io.gatehouse.examples;

import java.util.Objects;

/**
 * The command line of the example jar, parsed. Accepts {@code --name value} and
 * {@code --name=value}.
 *
 * <p>Immutable.
 */
sealed interface Options {

    /** Default listen address: every interface. */
    String DEFAULT_HOST = "0.0.0.0";
    /** Default listen port. */
    int DEFAULT_PORT = 8080;

    /** The usage text printed by {@code --help} and after a bad option. */
    String USAGE = """
            Usage: java -jar gateway-examples.jar [--host HOST] [--port PORT]
                              [--keys-file FILE | --redis-url URL] [--drain-seconds N]
                              [--max-connections-per-address N] [--log-format text|json]
                              [--header-timeout-ms MS] [--body-timeout-ms MS]
                   java -jar gateway-examples.jar keys COMMAND ...   (keys --help for more)

            Runs the Gatehouse gateway (embedded Jetty) in front of a demo agent.

              --host HOST        address to listen on (default 0.0.0.0)
              --port PORT        port to listen on, 0 for any free port (default 8080)
              --keys-file FILE   keep API keys (hashes only) in FILE, e.g. one written by
                                 'keys generate'; default: in memory, for this run only
              --redis-url URL    keep API keys, limits and usage in Redis (redis://host:port),
                                 shared with 'keys --redis-url URL' and other gateways
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
            """;

    /**
     * Start the gateway on {@code host}:{@code port}, with its API keys in {@code keysFile} or
     * in Redis at {@code redisUrl} (both nullable; neither: in memory).
     */
    record Run(String host, int port, String keysFile, String redisUrl, Http http,
            boolean jsonLogs)
            implements Options {
        public Run {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(http, "http");
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

    /** Print the usage and exit successfully. */
    record Help() implements Options {
    }

    /** The command line is wrong; {@code message} says how, in one line. */
    record Bad(String message) implements Options {
        public Bad {
            Objects.requireNonNull(message, "message");
        }
    }

    /** Parses {@code args}; never throws for bad input. */
    static Options parse(String... args) {
        String host = DEFAULT_HOST;
        int port = DEFAULT_PORT;
        String keysFile = null;
        String redisUrl = null;
        boolean jsonLogs = false;
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
                    }
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
        if (keysFile != null && redisUrl != null) {
            return new Bad("give --keys-file or --redis-url, not both");
        }
        return new Run(host, port, keysFile, redisUrl,
                new Http((int) http[0], (int) http[1], http[2], http[3]), jsonLogs);
    }

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
