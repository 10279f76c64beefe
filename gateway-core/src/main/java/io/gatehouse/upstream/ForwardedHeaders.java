package io.gatehouse.upstream;

import io.gatehouse.Exchange;
import io.gatehouse.GatewayRequest;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.ConsumedCredentials;
import io.gatehouse.observe.TraceContext;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Which headers go upstream and which come back (the header policy of forwarding), as pure
 * functions the forwarding module applies.
 *
 * <p>Upstream: hop-by-hop fields (RFC 9110 section 7.6.1: {@code Connection},
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authenticate},
 * {@code Proxy-Authorization}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}, and every field named in {@code Connection}) and {@code Expect} are dropped;
 * {@code Content-Length} is left to the forwarder, which frames the body it sends;
 * {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code Forwarded} are appended to
 * when the peer is a trusted proxy and started afresh otherwise; {@code X-Request-ID} carries the
 * gateway's request id; a valid {@code traceparent} (W3C Trace Context) is propagated with its
 * {@code tracestate}, an absent or malformed one replaced by a new trace; the client's
 * credential fields ({@code Authorization}, {@code X-API-Key}, {@code Signature},
 * {@code Signature-Input}, and whatever else authentication consumed, see
 * {@link ConsumedCredentials}) are dropped unless the service forwards them; the
 * service's credential is set; {@code Host} follows the service's {@link HostHeader}.
 *
 * <p>Downstream: hop-by-hop fields and those named in the upstream's {@code Connection} are
 * dropped, and so are fields the gateway sets itself ({@code X-Request-ID}, the rate-limit
 * headers), which must not appear twice.
 *
 * <p>Thread-safe (stateless).
 */
public final class ForwardedHeaders {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive",
            "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
            "transfer-encoding", "upgrade");
    /** Request fields rebuilt by the policy rather than copied. */
    private static final Set<String> REBUILT = Set.of("host", "content-length", "expect",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
            "x-request-id", "traceparent", "tracestate");

    private ForwardedHeaders() {
    }

    /** Whether {@code name} is a hop-by-hop field by definition (any case). */
    public static boolean isHopByHop(String name) {
        return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The field names listed in {@code Connection} values, lower case; empty when none. */
    public static Set<String> connectionTokens(Iterable<String> connectionValues) {
        Set<String> tokens = null;
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    if (tokens == null) {
                        tokens = new TreeSet<>();
                    }
                    tokens.add(name);
                }
            }
        }
        return tokens == null ? Set.of() : tokens;
    }

    /**
     * Emits the header fields of the upstream request for {@code request}, sent to
     * {@code endpoint} of {@code service}, in the order they should be sent.
     *
     * @param scheme the scheme the client used ({@code http} or {@code https})
     */
    public static void requestHeaders(GatewayRequest request, String scheme, Service service,
            Endpoint endpoint, BiConsumer<String, String> sink) {
        Exchange exchange = request.exchange();
        Set<String> dropped = connectionTokens(exchange.headerValues("Connection"));
        ConsumedCredentials consumed = request.consumedCredentials();
        String credentialHeader = service.credential()
                .map(credential -> credential.header().toLowerCase(Locale.ROOT)).orElse(null);
        for (String name : exchange.headerNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || REBUILT.contains(lower) || dropped.contains(lower)
                    || lower.equals(credentialHeader)
                    || !service.forwardClientCredentials()
                            && (ConsumedCredentials.isCredentialField(lower)
                                    || consumed.hides(lower))) {
                continue;
            }
            for (String value : exchange.headerValues(name)) {
                sink.accept(name, value);
            }
        }
        String clientHost = exchange.header("Host");
        HostHeader host = service.host();
        if (host instanceof HostHeader.Fixed fixed) {
            sink.accept("Host", fixed.host());
        } else if (host instanceof HostHeader.Preserve && clientHost != null) {
            sink.accept("Host", clientHost);
        } else {
            sink.accept("Host", endpoint.authority());
        }

        String peer = exchange.remoteAddress();
        // The gateway resolved the client behind a trusted proxy only if the peer is trusted;
        // only then are the proxy's forwarding headers kept and appended to.
        boolean trustedPeer = !request.clientAddress().equals(peer);
        String priorFor = trustedPeer ? joined(exchange, "X-Forwarded-For") : null;
        sink.accept("X-Forwarded-For", priorFor == null ? peer : priorFor + ", " + peer);
        String priorProto = trustedPeer ? exchange.header("X-Forwarded-Proto") : null;
        sink.accept("X-Forwarded-Proto", priorProto == null ? scheme : priorProto);
        String priorHost = trustedPeer ? exchange.header("X-Forwarded-Host") : null;
        if (priorHost != null || clientHost != null) {
            sink.accept("X-Forwarded-Host", priorHost != null ? priorHost : clientHost);
        }
        StringBuilder forwarded = new StringBuilder(64);
        String priorForwarded = trustedPeer ? joined(exchange, "Forwarded") : null;
        if (priorForwarded != null) {
            forwarded.append(priorForwarded).append(", ");
        }
        forwarded.append("for=").append(forwardedNode(peer)).append(";proto=").append(scheme);
        if (clientHost != null && isPrintable(clientHost)) {
            forwarded.append(";host=\"").append(clientHost).append('"');
        }
        sink.accept("Forwarded", forwarded.toString());

        sink.accept("X-Request-ID", request.requestId());
        // The gateway's own span is the upstream call's parent: the trace id in the gateway's
        // access log and problems is the one the upstream sees.
        TraceContext trace = request.trace();
        sink.accept(TraceContext.TRACEPARENT, trace.traceparent());
        if (!trace.tracestate().isEmpty()) {
            sink.accept(TraceContext.TRACESTATE, trace.tracestate());
        }
        service.credential().ifPresent(credential ->
                sink.accept(credential.header(), credential.value()));
    }

    /**
     * Whether an upstream response field named {@code name} goes to the client.
     *
     * @param connectionTokens the fields the upstream's {@code Connection} names
     *                         ({@link #connectionTokens})
     * @param gatewayHeaders   the fields the gateway itself puts on the response
     */
    public static boolean passesResponseHeader(String name, Set<String> connectionTokens,
            ResponseHeaders gatewayHeaders) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !HOP_BY_HOP.contains(lower) && !connectionTokens.contains(lower)
                && gatewayHeaders.get(name) == null;
    }

    private static String joined(Exchange exchange, String name) {
        var values = exchange.headerValues(name);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(", ", values);
    }

    private static String forwardedNode(String address) {
        return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
    }

    private static boolean isPrintable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
