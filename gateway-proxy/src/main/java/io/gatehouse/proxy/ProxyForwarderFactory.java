package io.gatehouse.proxy;

import io.gatehouse.config.GatewayConfig;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.servlet.Forwarder;
import io.gatehouse.servlet.ForwarderFactory;

/**
 * Lets a {@link io.gatehouse.servlet.GatewayFilter} configured from a YAML file find the
 * {@link ProxyForwarder} through {@link java.util.ServiceLoader}: with this module on the class
 * path, routes with a {@code service} are forwarded with no code at all.
 *
 * <p>Thread-safe (stateless).
 */
public final class ProxyForwarderFactory implements ForwarderFactory {

    @Override
    public Forwarder create(GatewayConfig config) {
        try {
            return ProxyForwarder.of(config);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(e.getMessage(), e);
        }
    }
}
