package io.gatehouse.config;

/**
 * A configuration file that cannot be turned into a gateway: unreadable, not YAML, or with a
 * value that is missing or out of range. The message names the file location (e.g.
 * {@code routes[2].max_body_bytes}) and the offending value.
 *
 * <p>Immutable.
 */
public final class GatewayConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GatewayConfigException(String message) {
        super(message);
    }

    public GatewayConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
