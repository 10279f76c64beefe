package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.route.Route;
import io.gatehouse.task.AsyncMode;
import io.gatehouse.upstream.Target;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code async:} and {@code task_status:} keys of a route. */
class GatewayConfigAsyncTest {

    private static final String YAML = """
            services:
              agent:
                endpoints: [http://127.0.0.1:9002]
            routes:
              - id: agent-execute
                methods: [POST]
                path: /agent/execute
                service: agent
                max_body_bytes: 65536
                async:
                  body_flag: /async_execution
                  prefer: true
                  status_path: /agent/status
                  ttl: 30m
                  max_result_bytes: 262144
                  retry_after: 2s
              - id: agent-status
                methods: [GET, DELETE]
                path: /agent/status/{task_id}
                task_status: true
            """;

    @Test
    void anAsyncRouteAndItsStatusRouteAreReadAsTheBuilderMakesThem() {
        GatewayConfig config = GatewayConfig.parse(YAML, Map.<String, String>of()::get);

        Route execute = config.routes().get(0);
        assertThat(execute.async()).contains(AsyncMode.builder("/agent/status")
                .bodyFlag("/async_execution").preferRespondAsync().ttl(Duration.ofMinutes(30))
                .maxResultBytes(262_144).retryAfter(Duration.ofSeconds(2)).build());
        assertThat(execute.target()).isInstanceOf(Target.Upstream.class);
        assertThat(config.routes().get(1).target()).isSameAs(Target.taskStatus());
        assertThat(config.routes().get(1).async()).isEmpty();
    }

    @Test
    void badAsyncSettingsNameTheirPlace() {
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("    service: agent\n", ""),
                Map.<String, String>of()::get))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageContaining("routes[0].async: only for a route with a service");
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("body_flag: /async_execution",
                "body_flag: async_execution"), Map.<String, String>of()::get))
                .hasMessageContaining("routes[0].async: async body flag must be a JSON Pointer");
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("      prefer: true\n", "")
                .replace("      body_flag: /async_execution\n", ""),
                Map.<String, String>of()::get))
                .hasMessageContaining("needs a body flag, Prefer: respond-async, or both");
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("task_status: true",
                "task_status: true\n    service: agent"),
                Map.<String, String>of()::get))
                .hasMessageContaining("routes[1].task_status: a status route neither forwards");
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("ttl: 30m", "ttl: 0s"),
                Map.<String, String>of()::get))
                .hasMessageContaining("async ttl must be positive");
        assertThatThrownBy(() -> GatewayConfig.parse(YAML.replace("retry_after: 2s",
                "retry_afer: 2s"), Map.<String, String>of()::get))
                .hasMessageContaining("retry_afer");
    }
}
