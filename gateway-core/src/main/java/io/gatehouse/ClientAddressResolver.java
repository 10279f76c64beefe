package io.gatehouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the caller's address: the connected peer, unless that peer is a trusted proxy, in which
 * case the one header the proxies write ({@link ForwardedHeader}) is read from right to left,
 * skipping trusted proxies, and the first untrusted hop is the client. Headers from untrusted
 * peers, and the other forwarding header from anyone, are ignored, so a caller cannot pick its
 * own address.
 *
 * <p>Immutable.
 */
final class ClientAddressResolver {

    private final List<Cidr> trusted;
    private final ForwardedHeader header;

    ClientAddressResolver(List<String> trustedProxies, ForwardedHeader header) {
        this.header = header;
        List<Cidr> blocks = new ArrayList<>();
        for (String proxy : trustedProxies) {
            blocks.add(Cidr.parse(proxy));
        }
        this.trusted = List.copyOf(blocks);
    }

    String resolve(Exchange exchange) {
        String peer = exchange.remoteAddress();
        if (trusted.isEmpty() || !isTrusted(peer)) {
            return peer;
        }
        List<String> hops = forwardedHops(exchange, header);
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (Cidr.parseLiteral(hop) == null) {
                return client;
            }
            client = hop.startsWith("[") ? hop.substring(1, hop.length() - 1) : hop;
            if (!isTrusted(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean isTrusted(String address) {
        for (Cidr block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> forwardedHops(Exchange exchange, ForwardedHeader header) {
        List<String> hops = new ArrayList<>();
        for (String value : exchange.headerValues(header.headerName())) {
            for (String element : value.split(",")) {
                hops.add(header == ForwardedHeader.FORWARDED ? forwardedFor(element)
                        : element.trim());
            }
        }
        return hops;
    }

    /** The {@code for=} node of one Forwarded element, without quotes or port; "" if absent. */
    private static String forwardedFor(String element) {
        for (String pair : element.split(";")) {
            String trimmed = pair.trim();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("for=")) {
                String node = trimmed.substring(4).trim();
                if (node.startsWith("\"") && node.endsWith("\"") && node.length() >= 2) {
                    node = node.substring(1, node.length() - 1);
                }
                if (node.startsWith("[")) {
                    int close = node.indexOf(']');
                    return close < 0 ? "" : node.substring(0, close + 1);
                }
                int colon = node.indexOf(':');
                return colon < 0 ? node : node.substring(0, colon);
            }
        }
        return "";
    }
}
