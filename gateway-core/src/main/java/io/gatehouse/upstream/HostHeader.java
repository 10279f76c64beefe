package io.gatehouse.upstream;

import java.util.Objects;

/**
 * The {@code Host} a forwarded request carries: the endpoint's authority (the default), the
 * client's own {@code Host} preserved, or a fixed name.
 *
 * <p>Immutable.
 */
public sealed interface HostHeader {

    /** The chosen endpoint's {@code host:port}. */
    static HostHeader endpoint() {
        return Endpoint.INSTANCE;
    }

    /** The {@code Host} the client sent. */
    static HostHeader preserve() {
        return Preserve.INSTANCE;
    }

    /** Always {@code host}. */
    static HostHeader fixed(String host) {
        return new Fixed(host);
    }

    /** The endpoint's authority. */
    final class Endpoint implements HostHeader {
        private static final Endpoint INSTANCE = new Endpoint();

        private Endpoint() {
        }

        @Override
        public String toString() {
            return "endpoint";
        }
    }

    /** The client's {@code Host}. */
    final class Preserve implements HostHeader {
        private static final Preserve INSTANCE = new Preserve();

        private Preserve() {
        }

        @Override
        public String toString() {
            return "preserve";
        }
    }

    /** A fixed host name. */
    record Fixed(String host) implements HostHeader {
        public Fixed {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f
                    || c == '/' || c == '@')) {
                throw new IllegalArgumentException("host '" + host + "' is not a host name");
            }
        }
    }
}
