package io.gatehouse.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A real embedded servlet container, started on a free loopback port for one deployment. */
sealed interface ServletContainer {

    /** Starts {@code deployment}; fails with the container's cause if the web app cannot start. */
    default Running start(Deployment deployment) throws Exception {
        return start(deployment, 0);
    }

    /** As {@link #start(Deployment)}, with at most {@code maxThreads} (0: the default). */
    Running start(Deployment deployment, int maxThreads) throws Exception;

    static List<ServletContainer> all() {
        return List.of(new Jetty(), new TomcatContainer());
    }

    /**
     * What to deploy: the filter as an instance ({@code filter}) or, when that is null, by class
     * with {@code initParameters}; context attributes; one servlet mapped to {@code /*}, and
     * {@code servlets} mapped to their URL patterns.
     */
    record Deployment(String contextPath, Filter filter, Map<String, String> initParameters,
            Map<String, Object> contextAttributes, HttpServlet servlet,
            Map<String, HttpServlet> servlets) {

        Deployment(String contextPath, Filter filter, Map<String, String> initParameters,
                Map<String, Object> contextAttributes, HttpServlet servlet) {
            this(contextPath, filter, initParameters, contextAttributes, servlet, Map.of());
        }

        /** This deployment with {@code more} mapped to {@code urlPattern} as well. */
        Deployment withServlet(String urlPattern, HttpServlet more) {
            Map<String, HttpServlet> all = new java.util.LinkedHashMap<>(servlets);
            all.put(urlPattern, more);
            return new Deployment(contextPath, filter, initParameters, contextAttributes, servlet,
                    all);
        }

        static Deployment of(String contextPath, Filter filter, HttpServlet servlet) {
            return new Deployment(contextPath, filter, Map.of(), Map.of(), servlet);
        }

        static Deployment byClass(Map<String, String> initParameters,
                Map<String, Object> contextAttributes, HttpServlet servlet) {
            return new Deployment("", null, initParameters, contextAttributes, servlet);
        }
    }

    /** A started container. */
    interface Running extends AutoCloseable {
        int port();

        String contextPath();

        default URI uri(String pathInApp) {
            return URI.create("http://127.0.0.1:" + port() + contextPath() + pathInApp);
        }

        @Override
        void close() throws Exception;
    }

    /** Jetty 12, ee10 servlet environment. */
    final class Jetty implements ServletContainer {
        @Override
        public Running start(Deployment deployment, int maxThreads) throws Exception {
            Server server = maxThreads > 0
                    ? new Server(new org.eclipse.jetty.util.thread.QueuedThreadPool(maxThreads,
                            Math.min(4, maxThreads)))
                    : new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler(
                    deployment.contextPath().isEmpty() ? "/" : deployment.contextPath());
            deployment.contextAttributes().forEach(context::setAttribute);
            FilterHolder filter = deployment.filter() != null
                    ? new FilterHolder(deployment.filter())
                    : new FilterHolder(GatewayFilter.class);
            filter.setName("gatehouse");
            filter.setInitParameters(deployment.initParameters());
            filter.setAsyncSupported(true);
            context.addFilter(filter, "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            ServletHolder servlet = new ServletHolder("app", deployment.servlet());
            servlet.setAsyncSupported(true);
            context.addServlet(servlet, "/*");
            int index = 0;
            for (Map.Entry<String, HttpServlet> more : deployment.servlets().entrySet()) {
                context.addServlet(new ServletHolder("more-" + index++, more.getValue()),
                        more.getKey());
            }
            server.setHandler(context);
            try {
                server.start();
            } catch (Exception e) {
                server.stop();
                throw e;
            }
            if (!context.isAvailable()) {
                server.stop();
                throw new IllegalStateException("context unavailable");
            }
            int port = connector.getLocalPort();
            return new Running() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public String contextPath() {
                    return deployment.contextPath();
                }

                @Override
                public void close() throws Exception {
                    server.stop();
                }
            };
        }

        @Override
        public String toString() {
            return "Jetty 12 ee10";
        }
    }

    /** Tomcat 11 embedded. */
    final class TomcatContainer implements ServletContainer {
        @Override
        public Running start(Deployment deployment, int maxThreads) throws Exception {
            Path base = Files.createTempDirectory("gatehouse-tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            // Tomcat answers Expect: 100-continue before the application runs unless told to
            // wait for the first read; waiting lets the gateway refuse an oversized upload
            // before the client sends it (Jetty waits by default).
            connector.setProperty("continueResponseTiming", "onRead");
            if (maxThreads > 0) {
                connector.setProperty("maxThreads", Integer.toString(maxThreads));
            }
            tomcat.setConnector(connector);
            Context context = tomcat.addContext(deployment.contextPath(), base.toString());
            if (!deployment.contextAttributes().isEmpty()) {
                context.addServletContainerInitializer((classes, servletContext) ->
                        deployment.contextAttributes().forEach(servletContext::setAttribute), null);
            }
            FilterDef filter = new FilterDef();
            filter.setFilterName("gatehouse");
            if (deployment.filter() != null) {
                filter.setFilter(deployment.filter());
            } else {
                filter.setFilterClass(GatewayFilter.class.getName());
            }
            deployment.initParameters().forEach(filter::addInitParameter);
            filter.setAsyncSupported("true");
            context.addFilterDef(filter);
            FilterMap mapping = new FilterMap();
            mapping.setFilterName("gatehouse");
            mapping.addURLPattern("/*");
            mapping.setDispatcher(DispatcherType.REQUEST.name());
            mapping.setDispatcher(DispatcherType.ASYNC.name());
            context.addFilterMap(mapping);
            Tomcat.addServlet(context, "app", deployment.servlet()).setAsyncSupported(true);
            context.addServletMappingDecoded("/*", "app");
            int index = 0;
            for (Map.Entry<String, HttpServlet> more : deployment.servlets().entrySet()) {
                String name = "more-" + index++;
                Tomcat.addServlet(context, name, more.getValue());
                context.addServletMappingDecoded(more.getKey(), name);
            }

            // Tomcat reports a filter that fails to initialize by logging it and marking the
            // context failed; capture the log record to surface the cause to the test.
            List<Throwable> failures = new ArrayList<>();
            // The context logs under a per-container name below org.apache.catalina.
            Logger contextLog = Logger.getLogger("org.apache.catalina");
            Handler capture = new Handler() {
                @Override
                public void publish(LogRecord record) {
                    if (record.getThrown() != null) {
                        failures.add(record.getThrown());
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            contextLog.addHandler(capture);
            Logger.getLogger("org.apache").setLevel(Level.WARNING);
            try {
                tomcat.start();
            } finally {
                contextLog.removeHandler(capture);
            }
            if (context.getState() != LifecycleState.STARTED) {
                tomcat.stop();
                tomcat.destroy();
                deleteTree(base);
                IllegalStateException failure = new IllegalStateException(
                        "context failed to start: " + context.getState());
                failures.forEach(failure::addSuppressed);
                throw failure;
            }
            int port = connector.getLocalPort();
            return new Running() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public String contextPath() {
                    return deployment.contextPath();
                }

                @Override
                public void close() throws Exception {
                    tomcat.stop();
                    tomcat.destroy();
                    deleteTree(base);
                }
            };
        }

        @Override
        public String toString() {
            return "Tomcat 11";
        }

        /** Removes Tomcat's base directory so test runs leave nothing behind in the temp dir. */
        private static void deleteTree(Path root) throws java.io.IOException {
            try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
