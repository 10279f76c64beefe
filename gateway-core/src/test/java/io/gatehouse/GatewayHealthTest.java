package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.observe.ComponentHealth;
import io.gatehouse.observe.HealthCheck;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.observe.HealthStatus;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GatewayHealthTest {

    private final AtomicReference<ComponentHealth> limits =
            new AtomicReference<>(ComponentHealth.up("redis"));
    private final AtomicReference<ComponentHealth> analytics =
            new AtomicReference<>(ComponentHealth.up("memory"));

    private Gateway gateway() {
        return Gateway.builder(Router.of(List.of(Route.builder("r", "/r").build())))
                .healthCheck("limit_store", true, limits::get)
                .healthCheck("analytics", false, analytics::get)
                .build();
    }

    @Test
    void everyComponentUpIsReady() {
        HealthReport report = gateway().health();

        assertThat(report.status()).isEqualTo(HealthStatus.UP);
        assertThat(report.ready()).isTrue();
        assertThat(report.draining()).isFalse();
        assertThat(report.components()).containsOnlyKeys("limit_store", "analytics");
        assertThat(report.components().get("limit_store"))
                .isEqualTo(new HealthReport.Component(HealthStatus.UP, true, "redis"));
    }

    @Test
    void requiredComponentDownIsNotReady() {
        Gateway gateway = gateway();
        limits.set(ComponentHealth.down("connection refused"));

        HealthReport report = gateway.health();

        assertThat(report.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(report.ready()).isFalse();
        assertThat(report.components().get("limit_store").detail())
                .isEqualTo("connection refused");
    }

    @Test
    void optionalComponentDownOnlyDegrades() {
        Gateway gateway = gateway();
        analytics.set(ComponentHealth.down("gone"));
        limits.set(ComponentHealth.degraded("breaker open"));

        HealthReport report = gateway.health();

        assertThat(report.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(report.ready()).isTrue();
    }

    @Test
    void throwingCheckIsReportedDown() {
        HealthCheck broken = () -> {
            throw new IllegalStateException("boom");
        };
        Gateway gateway = Gateway.builder(Router.of(List.of(Route.builder("r", "/r").build())))
                .healthCheck("key_store", true, broken).build();

        HealthReport report = gateway.health();

        assertThat(report.components().get("key_store"))
                .isEqualTo(new HealthReport.Component(HealthStatus.DOWN, true, "the check failed"));
        assertThat(report.ready()).isFalse();
    }

    @Test
    void drainingGatewayIsNotReadyButStillUp() {
        Gateway gateway = gateway();
        assertThat(gateway.draining()).isFalse();

        gateway.drain();
        gateway.drain();

        HealthReport report = gateway.health();
        assertThat(gateway.draining()).isTrue();
        assertThat(report.ready()).isFalse();
        assertThat(report.draining()).isTrue();
        assertThat(report.status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void componentNamesAreUnique() {
        assertThatThrownBy(() -> Gateway.builder(Router.of(List.of()))
                .healthCheck("key_store", true, HealthCheck.alwaysUp("memory"))
                .healthCheck("key_store", false, HealthCheck.alwaysUp("memory")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key_store");
    }
}
