package io.gatehouse;

/**
 * The header that the trusted proxies in front of a gateway write to name the client (see
 * {@link Gateway.Builder#trustedProxies(java.util.List, ForwardedHeader)}). Only this header is
 * read; the other is ignored even from a trusted peer, because a proxy passes on whatever the
 * client wrote in a header it does not itself maintain.
 *
 * <p>Immutable.
 */
public enum ForwardedHeader {

    /**
     * {@code X-Forwarded-For}, to which the proxy appends the address it received the request
     * from: nginx ({@code $proxy_add_x_forwarded_for}), HAProxy ({@code option forwardfor}), AWS,
     * Google Cloud and Azure load balancers, Envoy.
     */
    X_FORWARDED_FOR("X-Forwarded-For"),

    /** {@code Forwarded} (RFC 7239), to which the proxy appends a {@code for=} element. */
    FORWARDED("Forwarded");

    private final String headerName;

    ForwardedHeader(String headerName) {
        this.headerName = headerName;
    }

    /** The header's name as sent on the wire. */
    public String headerName() {
        return headerName;
    }

    /**
     * The constant for a header name, ignoring case.
     *
     * @throws IllegalArgumentException naming the value when it is neither header
     */
    public static ForwardedHeader ofHeaderName(String name) {
        for (ForwardedHeader header : values()) {
            if (header.headerName.equalsIgnoreCase(name.strip())) {
                return header;
            }
        }
        throw new IllegalArgumentException("'" + name
                + "' is not a forwarding header; use X-Forwarded-For or Forwarded");
    }
}
