package io.gatehouse.examples;

import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.KeyAdministration;
import io.gatehouse.limit.Tier;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.AdminKeysServlet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * The example's key administration: the admin HTTP API ({@link KeyAdministration} behind
 * {@link AdminKeysServlet}) and the admin key generated for each run, printed as
 * {@code Admin API key: sk_dev_...}. The development key stays a plain premium key; only the
 * admin key (role {@value KeyAdministration#ADMIN_ROLE}) may call {@code /admin/keys}.
 *
 * <p>Immutable.
 */
final class ExampleAdmin {

    /** The principal the per-run admin key belongs to. */
    static final String ADMIN_PRINCIPAL = "admin";
    /**
     * How long the per-run keys live when the key store outlives the process (a key file, Redis):
     * long enough for a working day, short enough that old runs do not leave working keys.
     */
    static final Duration PERSISTENT_RUN_KEY_LIFETIME = Duration.ofHours(24);

    private final KeyAdministration administration;
    private final String adminApiKey;

    private ExampleAdmin(KeyAdministration administration, String adminApiKey) {
        this.administration = administration;
        this.adminApiKey = adminApiKey;
    }

    /**
     * The administration over {@code keys}: keys on the example's tiers ({@code free} by
     * default), {@code sk_dev_} unless a request names another prefix; and a fresh admin key.
     */
    static ExampleAdmin create(ApiKeyManager keys, Clock clock,
            /* nullable */ Duration runKeyLifetime) {
        KeyAdministration administration = administration(keys, clock);
        String adminKey = keys.create(ExampleSetup.DEV_KEY_PREFIX,
                ApiKeySpec.of(ADMIN_PRINCIPAL, ExampleSetup.ENTERPRISE)
                        .withRoles(KeyAdministration.ADMIN_ROLE)
                        .withLifetime(runKeyLifetime))
                .plaintext();
        return new ExampleAdmin(administration, adminKey);
    }

    /**
     * The rules of the example's key administration, shared by the admin API and the
     * {@code keys} command: the example's tiers, {@code free} and {@code sk_dev_} by default.
     */
    static KeyAdministration administration(ApiKeyManager keys, Clock clock) {
        return KeyAdministration.builder(keys)
                .tiers(ExampleSetup.tiers().stream().map(Tier::name).toList())
                .defaultTier(ExampleSetup.FREE)
                .defaultPrefix(ExampleSetup.DEV_KEY_PREFIX)
                .clock(clock)
                .build();
    }

    /**
     * {@code app} with the admin routes in front: the admin paths ({@code /admin/keys...},
     * {@code /api/auth/api-key}) are decided by the admin routes, every other path by
     * {@code app}.
     */
    Router router(Router app) {
        Router admin = Router.of(administration.routes());
        List<Route> all = new ArrayList<>(admin.routes());
        all.addAll(app.routes());
        List<Route> listed = List.copyOf(all);
        return new Router() {
            @Override
            public RouteMatch match(String method, String path) {
                RouteMatch match = admin.match(method, path);
                return match instanceof RouteMatch.NotFound ? app.match(method, path) : match;
            }

            /** Both tables, the admin routes first: the OpenAPI document lists them all. */
            @Override
            public List<Route> routes() {
                return listed;
            }
        };
    }

    /** Mounts the admin API in {@code context}, behind the gateway filter mapped to /*. */
    void mount(ServletContextHandler context) {
        ServletHolder servlet = new ServletHolder("admin-keys",
                new AdminKeysServlet(administration));
        context.addServlet(servlet, "/admin/keys");
        context.addServlet(servlet, "/admin/keys/*");
        context.addServlet(servlet, "/api/auth/api-key");
    }

    KeyAdministration administration() {
        return administration;
    }

    /** The admin key of this run; shown once at start, never logged. */
    String adminApiKey() {
        return adminApiKey;
    }
}
