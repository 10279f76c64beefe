package io.gatehouse.examples;

import io.gatehouse.Problem;
import io.gatehouse.auth.AdminContext;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.KeyAdministration;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code java -jar gateway-examples.jar keys ...}: API key administration on a key file, with
 * the same rules as the admin HTTP API ({@link KeyAdministration}).
 *
 * <p>A bad command line (unknown command or option, missing value, unknown tier, bad duration)
 * prints one line and the usage on the error stream and exits with 2; a command that cannot be
 * carried out (unknown key id, key file in use or unreadable, key already rotated) prints one
 * line and exits with 1. The plaintext of a generated or rotated key is printed once, on
 * standard output, and nowhere else.
 *
 * <p>Thread-safe (stateless).
 */
final class KeysCommand {

    /** The first argument that selects this command. */
    static final String NAME = "keys";
    /** The key file used when {@code --keys-file} is not given. */
    static final String DEFAULT_KEYS_FILE = "gatehouse-keys.json";
    /** The owner of generated keys when {@code --owner} is not given. */
    static final String DEFAULT_OWNER = "cli";

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE = """
            Usage: java -jar gateway-examples.jar keys COMMAND [OPTIONS]
                                                  [--keys-file FILE | --redis-url URL]

            Manages the API keys in a key file (hashes only; default ./gatehouse-keys.json)
            or in Redis. Start the gateway with the same --keys-file or --redis-url to serve
            them. A running gateway holds its key file, so change its keys through its admin
            API (/admin/keys) instead; keys in Redis may be changed at any time.

              generate [--owner NAME] [--tier TIER] [--prefix PREFIX] [--expires DURATION]
                       [--role ROLE]...   create a key and print it, once (defaults: owner cli,
                                          tier free, prefix sk_dev, no expiry)
              list                        list the keys: id, owner, tier, status, masked key
              revoke ID                   revoke a key at once (again: no change)
              rotate ID [--grace DURATION]
                                          replace a key; the old one works for the grace
                                          period (default 1h, 0 ends it at once)

            Tiers: free, premium, enterprise. Prefixes: sk_live, sk_test, sk_dev.
            Durations: 45s, 15m, 12h, 30d, 2w or PT12H.
            """;

    private KeysCommand() {
    }

    /** A command line that cannot be run as given; the message is one line. */
    private static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Runs {@code keys args...} (the arguments after {@code keys}), writing to {@code out} and
     * {@code err}.
     *
     * @return the exit code: 0 done, 1 failed, 2 bad command line
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Clock.systemUTC());
    }

    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        Parsed parsed;
        try {
            parsed = Parsed.of(args);
        } catch (UsageError e) {
            return usage(err, e.getMessage());
        }
        if (parsed.command.equals("help")) {
            out.print(USAGE);
            return EXIT_OK;
        }
        String keysFile = parsed.options.get("--keys-file");
        String redisUrl = parsed.options.get("--redis-url");
        if (keysFile != null && redisUrl != null) {
            return usage(err, "give --keys-file or --redis-url, not both");
        }
        try (KeySource source = KeySource.open(
                redisUrl == null && keysFile == null ? DEFAULT_KEYS_FILE : keysFile, redisUrl)) {
            ApiKeyManager keys = ApiKeyManager.builder(source.store()).clock(clock).build();
            KeyAdministration administration = ExampleAdmin.administration(keys, clock);
            AdminContext context = new AdminContext("", "", "cli");
            return switch (parsed.command) {
                case "generate" -> generate(parsed, administration, context, out, err);
                case "list" -> list(administration, out, clock);
                case "revoke" -> revoke(parsed, administration, context, out, err);
                default -> rotate(parsed, administration, context, out, err);
            };
        } catch (IOException | RuntimeException e) {
            // A locked or unreadable key file, an unreachable Redis: one line, no stack trace.
            err.println("gateway-examples keys: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
            return EXIT_FAILED;
        }
    }

    private static int generate(Parsed parsed, KeyAdministration administration,
            AdminContext context, PrintStream out, PrintStream err) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("owner", parsed.options.getOrDefault("--owner", DEFAULT_OWNER));
        copy(parsed, "--tier", "tier", fields);
        copy(parsed, "--prefix", "prefix", fields);
        copy(parsed, "--expires", "expires_in", fields);
        if (!parsed.roles.isEmpty()) {
            fields.put("roles", parsed.roles);
        }
        KeyAdministration.Result result = administration.create(fields, context);
        if (result instanceof KeyAdministration.Refused refused) {
            return usage(err, fieldError(refused.problem(), Map.of("/owner", "--owner",
                    "/tier", "--tier", "/prefix", "--prefix", "/expires_in", "--expires",
                    "/roles", "--role")));
        }
        KeyAdministration.Created created = (KeyAdministration.Created) result;
        out.println("API key: " + created.key().plaintext());
        describe(created.key().record(), out);
        out.println("Store the key now: it is not shown again.");
        return EXIT_OK;
    }

    private static int list(KeyAdministration administration, PrintStream out, Clock clock) {
        List<ApiKeyRecord> keys = ((KeyAdministration.Listed) administration.list()).keys();
        Instant now = clock.instant();
        String format = "%-20s  %-12s  %-10s  %-8s  %-16s  %-20s  %-20s  %s%n";
        out.printf(format, "ID", "OWNER", "TIER", "STATUS", "KEY", "EXPIRES", "LAST USED",
                "ROLES");
        for (ApiKeyRecord key : keys) {
            out.printf(format, key.keyId(), key.principalId(), key.tier(),
                    key.statusAt(now).name().toLowerCase(Locale.ROOT), key.hint(),
                    seconds(key.expiresAt(), "never"), seconds(key.lastUsedAt(), "-"),
                    String.join(",", new TreeSet<>(key.roles())));
        }
        out.println(keys.size() + (keys.size() == 1 ? " key" : " keys"));
        return EXIT_OK;
    }

    private static int revoke(Parsed parsed, KeyAdministration administration,
            AdminContext context, PrintStream out, PrintStream err) {
        KeyAdministration.Result result = administration.revoke(parsed.keyId, context);
        if (result instanceof KeyAdministration.Refused refused) {
            err.println("gateway-examples keys: " + refused.problem().detail());
            return EXIT_FAILED;
        }
        KeyAdministration.Revoked revoked = (KeyAdministration.Revoked) result;
        out.println((revoked.alreadyRevoked() ? "Already revoked: " : "Revoked: ")
                + parsed.keyId + " (since " + revoked.key().revokedAt() + ")");
        return EXIT_OK;
    }

    private static int rotate(Parsed parsed, KeyAdministration administration,
            AdminContext context, PrintStream out, PrintStream err) {
        Map<String, Object> fields = new LinkedHashMap<>();
        copy(parsed, "--grace", "grace", fields);
        KeyAdministration.Result result = administration.rotate(parsed.keyId, fields, context);
        if (result instanceof KeyAdministration.Refused refused) {
            if (refused.problem().status() == 400) {
                return usage(err, fieldError(refused.problem(), Map.of("/grace", "--grace")));
            }
            err.println("gateway-examples keys: " + refused.problem().detail());
            return EXIT_FAILED;
        }
        KeyAdministration.Rotated rotated = (KeyAdministration.Rotated) result;
        ApiKeyRecord previous = rotated.rotation().previous();
        out.println("API key: " + rotated.rotation().successor().plaintext());
        describe(rotated.rotation().successor().record(), out);
        out.println("Previous key " + previous.keyId() + " works until "
                + previous.expiresAt() + ".");
        out.println("Store the key now: it is not shown again.");
        return EXIT_OK;
    }

    /** {@code instant} to the second, for a table a person reads. */
    private static String seconds(Instant instant, String absent) {
        return instant == null ? absent : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void describe(ApiKeyRecord key, PrintStream out) {
        out.println("Key id: " + key.keyId());
        out.println("Owner: " + key.principalId() + ", tier: " + key.tier()
                + (key.roles().isEmpty() ? "" : ", roles: "
                        + String.join(",", new TreeSet<>(key.roles())))
                + ", expires: " + (key.expiresAt() == null ? "never" : key.expiresAt()));
    }

    /** The first field error of {@code problem}, named by its command-line option. */
    private static String fieldError(Problem problem, Map<String, String> options) {
        Object errors = problem.extensions().get("errors");
        if (errors instanceof List<?> list && !list.isEmpty()
                && list.get(0) instanceof Map<?, ?> first) {
            String field = String.valueOf(first.get("field"));
            String option = options.entrySet().stream()
                    .filter(entry -> field.startsWith(entry.getKey()))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(field);
            return "option " + option + " " + first.get("message");
        }
        return problem.detail();
    }

    private static void copy(Parsed parsed, String option, String field,
            Map<String, Object> fields) {
        String value = parsed.options.get(option);
        if (value != null) {
            fields.put(field, value);
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("gateway-examples keys: " + message);
        err.print(USAGE);
        return EXIT_USAGE;
    }

    /** A parsed {@code keys} command line. */
    private static final class Parsed {
        final String command;
        final String keyId;
        final Map<String, String> options;
        final List<String> roles;

        private Parsed(String command, String keyId, Map<String, String> options,
                List<String> roles) {
            this.command = command;
            this.keyId = keyId;
            this.options = options;
            this.roles = roles;
        }

        static Parsed of(String[] args) throws UsageError {
            if (args.length == 0) {
                throw new UsageError("a command is required: generate, list, revoke or rotate");
            }
            String command = args[0];
            List<String> allowed = switch (command) {
                case "--help", "-h", "help" -> null;
                case "generate" -> List.of("--owner", "--tier", "--prefix", "--expires",
                        "--role", "--keys-file", "--redis-url");
                case "list", "revoke" -> List.of("--keys-file", "--redis-url");
                case "rotate" -> List.of("--grace", "--keys-file", "--redis-url");
                default -> throw new UsageError("unknown command '" + command
                        + "'; commands: generate, list, revoke, rotate");
            };
            if (allowed == null) {
                return new Parsed("help", null, Map.of(), List.of());
            }
            Map<String, String> options = new LinkedHashMap<>();
            List<String> roles = new ArrayList<>();
            List<String> positional = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--help") || arg.equals("-h")) {
                    return new Parsed("help", null, Map.of(), List.of());
                }
                if (!arg.startsWith("--")) {
                    positional.add(arg);
                    continue;
                }
                String name = arg;
                String value = null;
                int equals = arg.indexOf('=');
                if (equals > 0) {
                    name = arg.substring(0, equals);
                    value = arg.substring(equals + 1);
                }
                if (!allowed.contains(name)) {
                    throw new UsageError("unknown option '" + name + "' for keys " + command);
                }
                if (value == null) {
                    // "--owner --tier free" is a forgotten value, not an owner named "--tier".
                    if (i + 1 == args.length || args[i + 1].startsWith("--")) {
                        throw new UsageError("option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                if (value.isBlank()) {
                    throw new UsageError("option " + name + " needs a non-empty value");
                }
                if (name.equals("--role")) {
                    roles.add(value);
                } else if (options.put(name, value) != null) {
                    throw new UsageError("option " + name + " is given twice");
                }
            }
            boolean needsId = command.equals("revoke") || command.equals("rotate");
            if (needsId && positional.size() != 1) {
                throw new UsageError("keys " + command + " needs exactly one key id, e.g. "
                        + "keys " + command + " kid_3hV9kQ0pXr2LmZ8a");
            }
            if (!needsId && !positional.isEmpty()) {
                throw new UsageError("unexpected argument '" + positional.get(0) + "'");
            }
            return new Parsed(command, needsId ? positional.get(0) : null, options,
                    List.copyOf(roles));
        }
    }
}
