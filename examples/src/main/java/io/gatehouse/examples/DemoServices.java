package io.gatehouse.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The demo backend services of the example: the agent service ({@link AgentServiceServlet})
 * and the embedding service ({@link EmbeddingServiceServlet}), each a separate HTTP server on
 * its own port.
 *
 * <p>Run on their own: {@code java -jar gateway-examples.jar agent-service [--host H]
 * [--port 9001] [--delay-ms MS]} and {@code java -jar gateway-examples.jar embedding-service
 * [--host H] [--port 9002]} (its key from the environment variable {@code INFERENCE_API_KEY}).
 * Started by the example gateway on free loopback ports when it is not given their URLs
 * ({@link #startMissing}).
 *
 * <p>Thread-safe.
 */
final class DemoServices implements AutoCloseable {

    static final String AGENT_COMMAND = "agent-service";
    static final String EMBEDDING_COMMAND = "embedding-service";
    /** The default ports of the commands. */
    static final int AGENT_PORT = 9001;
    static final int EMBEDDING_PORT = 9002;

    private final List<DemoServer> servers;
    private final Map<String, String> environment;

    private DemoServices(List<DemoServer> servers, Map<String, String> environment) {
        this.servers = List.copyOf(servers);
        this.environment = Map.copyOf(environment);
    }

    static boolean isCommand(String name) {
        return name.equals(AGENT_COMMAND) || name.equals(EMBEDDING_COMMAND);
    }

    /**
     * Starts the services {@code launch} gives no URL for, on free ports of 127.0.0.1; the
     * agent answers after {@code launch.agentDelayMillis()}. The embedding service gets a fresh
     * random key, which only the gateway learns ({@link #environment()}).
     */
    static DemoServices startMissing(Options.Launch launch, Clock clock,
            Function<String, String> processEnvironment) throws IOException {
        java.util.ArrayList<DemoServer> servers = new java.util.ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        try {
            if (launch.agentUrl() == null) {
                DemoServer agent = DemoServer.start(AGENT_COMMAND, "127.0.0.1", 0,
                        new AgentServiceServlet(clock,
                                Duration.ofMillis(launch.agentDelayMillis())));
                servers.add(agent);
                environment.put("AGENT_SERVICE_URL", agent.uri().toString());
            } else {
                environment.put("AGENT_SERVICE_URL", launch.agentUrl());
            }
            if (launch.inferenceUrl() == null) {
                String key = newKey();
                DemoServer embedding = DemoServer.start(EMBEDDING_COMMAND, "127.0.0.1", 0,
                        new EmbeddingServiceServlet(key));
                servers.add(embedding);
                environment.put("INFERENCE_SERVICE_URL", embedding.uri().toString());
                environment.put("INFERENCE_API_KEY", key);
            } else {
                environment.put("INFERENCE_SERVICE_URL", launch.inferenceUrl());
            }
        } catch (IOException | RuntimeException e) {
            servers.forEach(DemoServer::close);
            throw e;
        }
        return new DemoServices(servers, environment);
    }

    /**
     * What the configuration file's {@code ${...}} read before the process environment:
     * {@code AGENT_SERVICE_URL}, {@code INFERENCE_SERVICE_URL} and, for a started embedding
     * service, its {@code INFERENCE_API_KEY}.
     */
    Map<String, String> environment() {
        return environment;
    }

    /** The services started here, name to base URI, in start order. */
    Map<String, URI> started() {
        Map<String, URI> started = new LinkedHashMap<>();
        servers.forEach(server -> started.put(server.name(), server.uri()));
        return started;
    }

    /** Stops the started services; idempotent. */
    @Override
    public void close() {
        for (DemoServer server : servers) {
            try {
                server.close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DemoServices.class)
                        .warn("{} did not stop cleanly", server.name(), e);
            }
        }
    }

    private static String newKey() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return "sk_upstream_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Runs {@code command} ({@value #AGENT_COMMAND} or {@value #EMBEDDING_COMMAND}) until the
     * process is stopped.
     *
     * @return the exit code: 0 after {@code --help}, 2 for a bad command line, 1 when the
     *         service cannot start; otherwise it does not return until stopped
     */
    static int run(String command, String[] args, Function<String, String> environment,
            PrintStream out, PrintStream err) throws InterruptedException {
        String host = "127.0.0.1";
        int port = command.equals(AGENT_COMMAND) ? AGENT_PORT : EMBEDDING_PORT;
        long delayMillis = 0;
        String usage = command.equals(AGENT_COMMAND)
                ? "Usage: java -jar gateway-examples.jar agent-service [--host HOST] "
                        + "[--port PORT] [--delay-ms MS]\n"
                : "Usage: java -jar gateway-examples.jar embedding-service [--host HOST] "
                        + "[--port PORT]\n       (its key: environment INFERENCE_API_KEY)\n";
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            String value = null;
            int equals = name.indexOf('=');
            if (name.startsWith("--") && equals > 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (name.equals("--help") || name.equals("-h")) {
                out.print(usage);
                return 0;
            }
            boolean known = name.equals("--host") || name.equals("--port")
                    || name.equals("--delay-ms") && command.equals(AGENT_COMMAND);
            if (!known) {
                err.println(command + ": unknown option '" + args[i] + "'");
                err.print(usage);
                return ExampleGateway.EXIT_USAGE;
            }
            if (value == null) {
                if (i + 1 == args.length) {
                    err.println(command + ": option " + name + " needs a value");
                    return ExampleGateway.EXIT_USAGE;
                }
                value = args[++i];
            }
            switch (name) {
                case "--host" -> host = value;
                case "--port" -> {
                    port = number(value, 65_535);
                    if (port < 0) {
                        err.println(command + ": option --port must be a number from 0 to "
                                + "65535, was '" + value + "'");
                        return ExampleGateway.EXIT_USAGE;
                    }
                }
                default -> {
                    delayMillis = number(value, 600_000);
                    if (delayMillis < 0) {
                        err.println(command + ": option --delay-ms must be a number from 0 to "
                                + "600000, was '" + value + "'");
                        return ExampleGateway.EXIT_USAGE;
                    }
                }
            }
        }
        DemoServer server;
        try {
            if (command.equals(AGENT_COMMAND)) {
                server = DemoServer.start(command, host, port, new AgentServiceServlet(
                        Clock.systemUTC(), Duration.ofMillis(delayMillis)));
            } else {
                String key = environment.apply("INFERENCE_API_KEY");
                if (key == null || key.isBlank()) {
                    err.println(command + ": set INFERENCE_API_KEY to the key the gateway will "
                            + "send (its service credential); the service refuses calls "
                            + "without it");
                    return ExampleGateway.EXIT_USAGE;
                }
                server = DemoServer.start(command, host, port, new EmbeddingServiceServlet(key));
            }
        } catch (IOException e) {
            err.println(command + ": cannot listen on " + host + ":" + port + ": "
                    + e.getMessage());
            return ExampleGateway.EXIT_FAILED;
        }
        DemoServer started = server;
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, command + "-shutdown"));
        out.println("Gatehouse demo " + command + " listening on " + started.uri());
        out.flush();
        started.join();
        return 0;
    }

    private static int number(String text, int max) {
        if (text.isEmpty() || text.length() > 6 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int number = Integer.parseInt(text);
        return number <= max ? number : -1;
    }
}
