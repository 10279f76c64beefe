package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undeploying a web application that uses the filter leaves nothing of it behind: the gateway's
 * classes are loaded by the application's own class loader, traffic runs on the container's
 * long-lived threads, and after the application is undeployed that class loader must be
 * collected and no thread the gateway started may remain. A container keeps its threads across
 * deployments, so anything of the application left in a thread local, a static registry, a
 * pool or a timer would keep every undeployed copy in memory.
 */
@Timeout(180)
class RedeployLeakTest {

    private static final String KEY = "key_redeploy_0123456789";
    private static final int REQUESTS = 200;

    @TempDir
    Path directory;

    /** The application's own servlet; loaded by the container's loader, which is fine. */
    public static final class HelloServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("hello");
        }
    }

    /**
     * A web application's class loader: its own classes first (the gateway and its libraries,
     * as in {@code WEB-INF/lib}), the Servlet API, SLF4J and the JDK from the container.
     */
    static final class WebAppClassLoader extends URLClassLoader {
        WebAppClassLoader(URL[] urls, ClassLoader container) {
            super("webapp", urls, container);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null && !fromContainer(name)) {
                    try {
                        loaded = findClass(name);
                    } catch (ClassNotFoundException notOurs) {
                        // The container has it.
                    }
                }
                if (loaded == null) {
                    return super.loadClass(name, resolve);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }

        private static boolean fromContainer(String name) {
            return name.startsWith("java.") || name.startsWith("javax.")
                    || name.startsWith("jakarta.") || name.startsWith("org.slf4j.")
                    || name.startsWith("sun.") || name.startsWith("jdk.");
        }
    }

    /** What {@code WEB-INF/lib} would hold: the gateway and its libraries, nothing else. */
    private static URL[] webAppClassPath() throws IOException {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String normalized = entry.replace('\\', '/');
            boolean gateway = normalized.contains("gateway-core")
                    || normalized.contains("gateway-servlet") && !normalized.endsWith(
                            "test-classes");
            boolean library = normalized.contains("/caffeine/")
                    || normalized.contains("/com/fasterxml/")
                    || normalized.contains("/org/yaml/")
                    || normalized.contains("/nimbus")
                    || normalized.contains("/io/micrometer/")
                    || normalized.contains("/HdrHistogram/")
                    || normalized.contains("/LatencyUtils/")
                    || normalized.contains("/jcip");
            if ((gateway || library) && !normalized.contains("test-classes")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(urls).as("the web app's class path").isNotEmpty();
        return urls.toArray(URL[]::new);
    }

    private String config() throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(KEY.getBytes(StandardCharsets.UTF_8)));
        Path file = Files.writeString(directory.resolve("gatehouse.yaml"), """
                routes:
                  - id: work
                    methods: [GET]
                    path: /work
                    limits:
                      - {name: route-total, algorithm: fixed_window, limit: 100000, period: 1m,
                         scope: global}
                  - id: health
                    methods: [GET]
                    path: /health
                    public: true
                tiers:
                  free:
                    - {name: per-minute, algorithm: sliding_window, limit: 100000, period: 1m}
                    - {name: burst, algorithm: token_bucket, limit: 100000, period: 1s}
                    - {name: in-flight, algorithm: concurrency, limit: 50, period: 1m}
                api_keys:
                  keys:
                    - {id: kid_redeploy, owner: redeploy, tier: free, hash: %s}
                """.formatted(hash));
        return file.toString();
    }

    /** Requests on several connections at once, so many container threads serve the app. */
    private void traffic(int port) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String path = switch (i % 4) {
                    case 0 -> "/work";
                    case 1 -> "/health";
                    case 2 -> "/elsewhere";
                    default -> "/work?anonymous";
                };
                boolean keyed = i % 4 != 3;
                // No wrong keys: the guessing guard would lock the address out.
                statuses.add(senders.submit(() -> status(port, path, keyed ? KEY : null)));
            }
            int admitted = 0;
            int refused = 0;
            for (Future<Integer> status : statuses) {
                int code = status.get();
                if (code == 200) {
                    admitted++;
                } else if (code == 401) {
                    refused++;
                }
            }
            assertThat(admitted).isEqualTo(REQUESTS * 3 / 4);
            assertThat(refused).isEqualTo(REQUESTS / 4);
        } finally {
            senders.shutdownNow();
        }
    }

    /**
     * One request on its own connection, closed after it: a kept-alive connection may keep the
     * container's per-connection state of the context, which is not the gateway's to release.
     */
    private static int status(int port, String path, String key) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            String request = "GET /app" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + (key == null ? "" : "X-API-Key: " + key + "\r\n")
                    + "Connection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(),
                    StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    /**
     * The thread-local values of the app's classes on live threads, the commonest leak; a
     * failure names them. Reading them needs {@code --add-opens java.base/java.lang}.
     */
    private static List<String> threadLocalsOf(ClassLoader loader) {
        List<String> found = new ArrayList<>();
        try {
            Field locals = Thread.class.getDeclaredField("threadLocals");
            locals.setAccessible(true);
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                Object map = locals.get(thread);
                if (map == null) {
                    continue;
                }
                Field tableField = map.getClass().getDeclaredField("table");
                tableField.setAccessible(true);
                for (Object entry : (Object[]) tableField.get(map)) {
                    if (entry == null) {
                        continue;
                    }
                    Field valueField = entry.getClass().getDeclaredField("value");
                    valueField.setAccessible(true);
                    Object value = valueField.get(entry);
                    Object held = value instanceof Reference<?> reference ? reference.get()
                            : value;
                    if (held != null && held.getClass().getClassLoader() == loader) {
                        found.add(thread.getName() + ": " + held.getClass().getName());
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            found.add("(thread locals not inspected: " + e + ")");
        }
        return found;
    }

    private static void assertCollected(WeakReference<ClassLoader> loader) {
        try {
            await("the undeployed web app's class loader is collected")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        System.gc();
                        return loader.get() == null;
                    });
        } catch (ConditionTimeoutException e) {
            ClassLoader kept = loader.get();
            throw new AssertionError("the undeployed web app's class loader is still reachable; "
                    + "its values in thread locals: "
                    + (kept == null ? "none" : threadLocalsOf(kept)), e);
        }
    }

    /** No thread the gateway started, and none that still runs with the app's loader. */
    private static void assertNoThreadOf(ClassLoader loader) {
        List<String> left = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && (thread.getName().startsWith("gatehouse")
                    || thread.getContextClassLoader() == loader)) {
                left.add(thread.getName());
            }
        }
        assertThat(left).as("threads of the undeployed web app").isEmpty();
    }

    @Test
    void undeployingFromJettyLeavesTheWebAppsClassLoaderCollectable() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        Handler.Sequence contexts = new Handler.Sequence();
        server.setHandler(contexts);
        server.start();
        try {
            String config = config();
            for (int deployment = 0; deployment < 2; deployment++) {
                WeakReference<ClassLoader> loader =
                        deployOnJettyAndUndeploy(contexts, connector.getLocalPort(), config);
                assertCollected(loader);
            }
        } finally {
            server.stop();
        }
    }

    private WeakReference<ClassLoader> deployOnJettyAndUndeploy(Handler.Sequence contexts,
            int port, String config) throws Exception {
        WebAppClassLoader loader = new WebAppClassLoader(webAppClassPath(),
                RedeployLeakTest.class.getClassLoader());
        ServletContextHandler context = new ServletContextHandler("/app");
        context.setClassLoader(loader);
        FilterHolder filter = new FilterHolder();
        filter.setName("gatehouse");
        filter.setClassName(GatewayFilter.class.getName());
        filter.setInitParameter(GatewayFilter.CONFIG_PARAMETER, config);
        filter.setInitParameter(GatewayFilter.DRAIN_PARAMETER, "1");
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST,
                DispatcherType.ASYNC));
        ServletHolder servlet = new ServletHolder("app", new HelloServlet());
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        contexts.addHandler(context);
        context.start();

        assertThat(context.getServletHandler().getFilter("gatehouse").getFilter().getClass()
                .getClassLoader()).isSameAs(loader);
        traffic(port);

        context.stop();
        contexts.removeHandler(context);
        context.destroy();
        assertNoThreadOf(loader);
        loader.close();
        return new WeakReference<>(loader);
    }

    @Test
    void undeployingFromTomcatLeavesTheWebAppsClassLoaderCollectable() throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(directory.resolve("tomcat")).toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        tomcat.getHost().setAutoDeploy(false);
        tomcat.start();
        try {
            String config = config();
            for (int deployment = 0; deployment < 2; deployment++) {
                WeakReference<ClassLoader> loader = deployOnTomcatAndUndeploy(tomcat,
                        connector.getLocalPort(), config, deployment);
                assertCollected(loader);
            }
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private WeakReference<ClassLoader> deployOnTomcatAndUndeploy(Tomcat tomcat, int port,
            String config, int deployment) throws Exception {
        WebAppClassLoader loader = new WebAppClassLoader(webAppClassPath(),
                RedeployLeakTest.class.getClassLoader());
        Path docBase = Files.createDirectories(directory.resolve("app-" + deployment));
        // Configured completely before it joins the running host, which starts it at once.
        StandardContext context = new StandardContext();
        context.setName("/app");
        context.setPath("/app");
        context.setDocBase(docBase.toString());
        context.addLifecycleListener(new Tomcat.FixContextListener());
        context.setParentClassLoader(loader);
        FilterDef filter = new FilterDef();
        filter.setFilterName("gatehouse");
        filter.setFilterClass(GatewayFilter.class.getName());
        filter.addInitParameter(GatewayFilter.CONFIG_PARAMETER, config);
        filter.addInitParameter(GatewayFilter.DRAIN_PARAMETER, "1");
        filter.setAsyncSupported("true");
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("gatehouse");
        mapping.addURLPattern("/*");
        mapping.setDispatcher(DispatcherType.REQUEST.name());
        mapping.setDispatcher(DispatcherType.ASYNC.name());
        context.addFilterMap(mapping);
        Tomcat.addServlet(context, "app", new HelloServlet()).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "app");
        tomcat.getHost().addChild(context);
        assertThat(context.findFilterConfig("gatehouse")).isNotNull();

        traffic(port);

        tomcat.getHost().removeChild(context);
        assertNoThreadOf(loader);
        loader.close();
        return new WeakReference<>(loader);
    }
}
