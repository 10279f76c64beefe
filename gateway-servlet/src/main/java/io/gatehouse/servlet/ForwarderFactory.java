package io.gatehouse.servlet;

import io.gatehouse.config.GatewayConfig;

/**
 * Makes the {@link Forwarder} for a gateway configured from a YAML file. {@link GatewayFilter}
 * finds one with {@link java.util.ServiceLoader} when the file routes to upstream services, so
 * that putting {@code gateway-proxy} on the class path is all a file-configured filter needs.
 * A forwarder that is {@link AutoCloseable} is closed when the filter is destroyed.
 *
 * <p>Implementations must be thread-safe and have a public no-argument constructor.
 */
@FunctionalInterface
public interface ForwarderFactory {

    /**
     * A forwarder for the services of {@code config}.
     *
     * @throws io.gatehouse.config.GatewayConfigException when the services cannot be served
     */
    Forwarder create(GatewayConfig config);
}
