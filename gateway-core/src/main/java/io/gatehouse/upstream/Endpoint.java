package io.gatehouse.upstream;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * One address of a {@link Service}: scheme, host and port, an optional base path prepended to
 * every forwarded path, and a weight for {@link Balancing#WEIGHTED}.
 *
 * <p>Immutable.
 *
 * @param scheme   {@code http} or {@code https}
 * @param host     a host name or IP literal (IPv6 without brackets)
 * @param port     the port, explicit or the scheme's default
 * @param basePath a path without trailing slash ({@code ""} for none) put before forwarded paths
 * @param weight   relative share of traffic under {@link Balancing#WEIGHTED}, at least 1
 */
public record Endpoint(String scheme, String host, int port, String basePath, int weight) {

    public Endpoint {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(basePath, "basePath");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("endpoint scheme must be http or https, was '"
                    + scheme + "'");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("endpoint port must be 1-65535, was " + port);
        }
        if (weight < 1 || weight > 1_000) {
            throw new IllegalArgumentException("endpoint weight must be 1-1000, was " + weight);
        }
    }

    /**
     * Parses {@code http://host:port/base} with weight 1.
     *
     * @throws IllegalArgumentException naming the text when it is not an http(s) URL with a host,
     *     or when it carries a query, fragment or user info
     */
    public static Endpoint parse(String url) {
        return parse(url, 1);
    }

    /** Parses {@code url} as {@link #parse(String)}, with {@code weight}. */
    public static Endpoint parse(String url, int weight) {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("endpoint '" + url + "' is not a URL: "
                    + e.getReason(), e);
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !scheme.equals("http") && !scheme.equals("https")
                || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint '" + url
                    + "' must be an http:// or https:// URL with a host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("endpoint '" + url
                    + "' must not carry a query, fragment or user info");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String base = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return new Endpoint(scheme, host, port, base, weight);
    }

    /** {@code host:port} as a {@code Host} header names it (IPv6 in brackets). */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The URL of {@code rawPath} (already percent-encoded) and {@code query} on this endpoint. */
    public String url(String rawPath, String query) {
        StringBuilder url = new StringBuilder(scheme.length() + 32 + rawPath.length())
                .append(scheme).append("://").append(authority()).append(basePath)
                .append(rawPath);
        if (query != null && !query.isEmpty()) {
            url.append('?').append(query);
        }
        return url.toString();
    }

    @Override
    public String toString() {
        return scheme + "://" + authority() + basePath + (weight == 1 ? "" : " weight " + weight);
    }
}
