package io.gatehouse;

import io.gatehouse.observe.ComponentHealth;
import io.gatehouse.observe.HealthCheck;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.observe.HealthStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health checks registered on a gateway, run together into one {@link HealthReport}.
 *
 * <p>Immutable; thread-safe as long as the checks are.
 */
final class GatewayHealth {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHealth.class);

    /** One registered check. */
    record Named(String name, boolean required, HealthCheck check) {
    }

    private final List<Named> checks;

    GatewayHealth(List<Named> checks) {
        this.checks = List.copyOf(checks);
    }

    HealthReport report(boolean draining) {
        Map<String, HealthReport.Component> components = new LinkedHashMap<>();
        boolean requiredDown = false;
        boolean anyNotUp = false;
        for (Named named : checks) {
            ComponentHealth health;
            try {
                health = named.check().check();
                if (health == null) {
                    health = ComponentHealth.down("the check returned nothing");
                }
            } catch (RuntimeException e) {
                LOG.warn("health check of component '{}' failed", named.name(), e);
                health = ComponentHealth.down("the check failed");
            }
            components.put(named.name(), new HealthReport.Component(health.status(),
                    named.required(), health.detail()));
            requiredDown |= named.required() && health.status() == HealthStatus.DOWN;
            anyNotUp |= health.status() != HealthStatus.UP;
        }
        HealthStatus status = requiredDown ? HealthStatus.DOWN
                : anyNotUp ? HealthStatus.DEGRADED : HealthStatus.UP;
        return new HealthReport(status, !requiredDown && !draining, draining, components);
    }
}
