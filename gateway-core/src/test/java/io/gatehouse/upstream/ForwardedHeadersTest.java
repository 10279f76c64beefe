package io.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.GatewayRequest;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.ConsumedCredentials;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    private static final Endpoint ENDPOINT = Endpoint.parse("http://10.0.0.5:9001");
    private static final String DIGEST = "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:";
    private static final String TRACE =
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static List<String> forward(TestExchange exchange, String clientAddress,
            Service service) {
        GatewayRequest request = new GatewayRequest(exchange, "req-1", "/x", clientAddress);
        List<String> lines = new ArrayList<>();
        ForwardedHeaders.requestHeaders(request, "https", service, ENDPOINT,
                (name, value) -> lines.add(name.toLowerCase() + ": " + value));
        return lines;
    }

    private static Service.Builder service() {
        return Service.builder("svc").endpoint(ENDPOINT);
    }

    @Test
    void hopByHopAndConnectionNamedFieldsAreDropped() {
        TestExchange exchange = TestExchange.request("GET", "/x")
                .header("Host", "gw.example").header("Connection", "keep-alive, X-Secret-Hop")
                .header("Keep-Alive", "timeout=5").header("X-Secret-Hop", "1")
                .header("TE", "trailers").header("Upgrade", "h2c")
                .header("Proxy-Authorization", "Basic abc").header("Accept", "text/plain")
                .header("Accept", "application/json");
        List<String> lines = forward(exchange, "127.0.0.1", service().build());
        assertThat(lines).contains("accept: text/plain", "accept: application/json",
                "host: 10.0.0.5:9001");
        assertThat(lines).noneMatch(line -> line.startsWith("connection:")
                || line.startsWith("keep-alive:") || line.startsWith("x-secret-hop:")
                || line.startsWith("te:") || line.startsWith("upgrade:")
                || line.startsWith("proxy-authorization:"));
    }

    @Test
    void clientCredentialsAreStrippedAndTheServiceCredentialInjected() {
        TestExchange exchange = TestExchange.request("GET", "/x")
                .header("Authorization", "Bearer client-token").header("X-API-Key", "gk_client");
        List<String> stripped = forward(exchange, "127.0.0.1", service()
                .credential(new UpstreamCredential("X-API-Key", "upstream-key")).build());
        assertThat(stripped).contains("x-api-key: upstream-key");
        assertThat(stripped).noneMatch(line -> line.contains("client"));

        List<String> kept = forward(exchange, "127.0.0.1",
                service().forwardClientCredentials(true).build());
        assertThat(kept).contains("authorization: Bearer client-token", "x-api-key: gk_client");
    }

    @Test
    void signatureFieldsAndWhateverAuthenticationConsumedNeverReachTheUpstream() {
        Gateway gateway = Gateway.builder(Router.of(List.of(Route.builder("x", "/x").build())))
                .authenticator(request -> new AuthResult.Authenticated(
                        new Principal("alice", "free", Set.of(), Set.of(), "k1"),
                        ConsumedCredentials.headers("X-Partner-Token")))
                .build();
        TestExchange exchange = TestExchange.request("GET", "/x")
                .header("Signature-Input", "sig1=(\"@method\");keyid=\"hmac\"")
                .header("Signature", "sig1=:c2lnbmF0dXJl:")
                .header("Content-Digest", DIGEST)
                .header("X-Partner-Token", "partner-secret").header("Accept", "text/plain");
        GatewayRequest admitted = ((Admission.Admitted) gateway.admit(exchange)).request();

        List<String> lines = new ArrayList<>();
        ForwardedHeaders.requestHeaders(admitted, "https", service().build(), ENDPOINT,
                (name, value) -> lines.add(name.toLowerCase() + ": " + value));

        assertThat(lines).contains("accept: text/plain", "content-digest: " + DIGEST);
        assertThat(lines).noneMatch(line -> line.startsWith("signature")
                || line.contains("partner-secret"));

        List<String> kept = new ArrayList<>();
        ForwardedHeaders.requestHeaders(admitted, "https",
                service().forwardClientCredentials(true).build(), ENDPOINT,
                (name, value) -> kept.add(name.toLowerCase() + ": " + value));
        assertThat(kept).contains("signature: sig1=:c2lnbmF0dXJl:",
                "x-partner-token: partner-secret");
    }

    @Test
    void untrustedForwardingHeadersAreReplacedNotAppended() {
        TestExchange exchange = TestExchange.request("GET", "/x").from("203.0.113.9")
                .header("Host", "gw.example").header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-Proto", "gopher").header("Forwarded", "for=6.6.6.6");
        List<String> lines = forward(exchange, "203.0.113.9", service().build());
        assertThat(lines).contains("x-forwarded-for: 203.0.113.9", "x-forwarded-proto: https",
                "x-forwarded-host: gw.example",
                "forwarded: for=203.0.113.9;proto=https;host=\"gw.example\"");
        assertThat(lines).noneMatch(line -> line.contains("6.6.6.6") || line.contains("gopher"));
    }

    @Test
    void aTrustedProxyChainIsAppendedTo() {
        TestExchange exchange = TestExchange.request("GET", "/x").from("10.1.1.1")
                .header("Host", "gw.example").header("X-Forwarded-For", "198.51.100.7")
                .header("X-Forwarded-Proto", "https").header("Forwarded", "for=198.51.100.7")
                .header("X-Forwarded-Host", "public.example");
        List<String> lines = forward(exchange, "198.51.100.7", service().build());
        assertThat(lines).contains("x-forwarded-for: 198.51.100.7, 10.1.1.1",
                "x-forwarded-proto: https", "x-forwarded-host: public.example",
                "forwarded: for=198.51.100.7, for=10.1.1.1;proto=https;host=\"gw.example\"");
    }

    @Test
    void ipv6PeersAreQuotedInForwarded() {
        TestExchange exchange = TestExchange.request("GET", "/x").from("::1");
        assertThat(forward(exchange, "::1", service().build()))
                .contains("forwarded: for=\"[::1]\";proto=https");
    }

    @Test
    void requestIdIsForwardedAndTheTraceContinuesFromTheGatewaysSpan() {
        TestExchange traced = TestExchange.request("GET", "/x").header("X-Request-ID", "spoof")
                .header("traceparent", TRACE).header("tracestate", "vendor=1");
        List<String> lines = forward(traced, "127.0.0.1", service().build());
        String traceparent = header(lines, "traceparent");
        // Same trace, same flags; the parent is the gateway's span, not the caller's.
        assertThat(traceparent).matches("00-" + TRACE.substring(3, 35) + "-[0-9a-f]{16}-01");
        assertThat(traceparent.substring(36, 52)).isNotEqualTo(TRACE.substring(36, 52));
        assertThat(lines).contains("x-request-id: req-1", "tracestate: vendor=1");
        assertThat(lines).doesNotContain("x-request-id: spoof", "traceparent: " + TRACE);

        TestExchange bad = TestExchange.request("GET", "/x")
                .header("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
                .header("tracestate", "vendor=1");
        List<String> started = forward(bad, "127.0.0.1", service().build());
        assertThat(header(started, "traceparent"))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                .doesNotContain("00000000000000000000000000000000");
        assertThat(started).noneMatch(line -> line.startsWith("tracestate"));
    }

    private static String header(List<String> lines, String name) {
        return lines.stream().filter(line -> line.startsWith(name + ": ")).findFirst()
                .orElseThrow().substring(name.length() + 2);
    }

    @Test
    void hostIsRewrittenPreservedOrFixedPerService() {
        TestExchange exchange = TestExchange.request("GET", "/x").header("Host", "gw.example");
        assertThat(forward(exchange, "127.0.0.1", service().build()))
                .contains("host: 10.0.0.5:9001");
        assertThat(forward(exchange, "127.0.0.1", service().host(HostHeader.preserve()).build()))
                .contains("host: gw.example");
        assertThat(forward(exchange, "127.0.0.1",
                service().host(HostHeader.fixed("api.internal")).build()))
                .contains("host: api.internal");
    }

    @Test
    void responseFieldsDropHopByHopAndTheGatewaysOwn() {
        ResponseHeaders gateway = ResponseHeaders.builder().add("X-Request-ID", "req-1")
                .add("RateLimit", "\"tier\";r=9;t=60").build();
        Set<String> tokens = ForwardedHeaders.connectionTokens(List.of("close, X-Hop"));
        assertThat(ForwardedHeaders.passesResponseHeader("Content-Type", tokens, gateway))
                .isTrue();
        assertThat(ForwardedHeaders.passesResponseHeader("X-Hop", tokens, gateway)).isFalse();
        assertThat(ForwardedHeaders.passesResponseHeader("Transfer-Encoding", tokens, gateway))
                .isFalse();
        assertThat(ForwardedHeaders.passesResponseHeader("x-request-id", tokens, gateway))
                .isFalse();
        assertThat(ForwardedHeaders.passesResponseHeader("RateLimit", tokens, gateway))
                .isFalse();
    }
}
