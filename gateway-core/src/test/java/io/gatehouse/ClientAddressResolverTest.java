package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressResolverTest {

    private final ClientAddressResolver resolver = new ClientAddressResolver(
            List.of("10.0.0.0/8", "2001:db8::/32"), ForwardedHeader.X_FORWARDED_FOR);
    private final ClientAddressResolver rfc7239 = new ClientAddressResolver(
            List.of("10.0.0.0/8", "2001:db8::/32"), ForwardedHeader.FORWARDED);

    @Test
    void untrustedPeerIsTheClientWhateverItClaims() {
        TestExchange exchange = TestExchange.request("GET", "/").from("203.0.113.9")
                .header("X-Forwarded-For", "1.1.1.1").header("Forwarded", "for=2.2.2.2");

        assertThat(resolver.resolve(exchange)).isEqualTo("203.0.113.9");
    }

    @Test
    void readsForwardedForRightToLeftSkippingTrustedHops() {
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.2.2.2");

        // 6.6.6.6 was written by the client itself; the first untrusted hop from the right wins.
        assertThat(resolver.resolve(exchange)).isEqualTo("198.51.100.7");
    }

    @Test
    void readsRfc7239ForwardedWithQuotedIpv6AndPortsWhenTheProxiesWriteIt() {
        TestExchange exchange = TestExchange.request("GET", "/").from("2001:db8::1")
                .header("Forwarded", "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"")
                .header("X-Forwarded-For", "9.9.9.9");

        assertThat(rfc7239.resolve(exchange)).isEqualTo("192.0.2.60");
    }

    @Test
    void aForwardedHeaderWrittenByTheClientIsIgnoredBehindAnXForwardedForProxy() {
        // nginx with $proxy_add_x_forwarded_for passes the client's own Forwarded on unchanged.
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("Forwarded", "for=10.9.9.9")
                .header("X-Forwarded-For", "198.51.100.7");

        assertThat(resolver.resolve(exchange)).isEqualTo("198.51.100.7");
    }

    @Test
    void anXForwardedForWrittenByTheClientIsIgnoredBehindAForwardedProxy() {
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("X-Forwarded-For", "10.9.9.9")
                .header("Forwarded", "for=198.51.100.8");

        assertThat(rfc7239.resolve(exchange)).isEqualTo("198.51.100.8");
    }

    @Test
    void withoutTheConfiguredHeaderATrustedPeerIsTheClient() {
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("Forwarded", "for=198.51.100.9");

        assertThat(resolver.resolve(exchange)).isEqualTo("10.0.0.1");
    }

    @Test
    void garbageHopStopsTheWalkAtTheLastTrustedAddress() {
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("X-Forwarded-For", "198.51.100.7, not-an-ip");

        assertThat(resolver.resolve(exchange)).isEqualTo("10.0.0.1");
    }

    @Test
    void allTrustedHopsYieldTheLeftmost() {
        TestExchange exchange = TestExchange.request("GET", "/").from("10.0.0.1")
                .header("X-Forwarded-For", "10.0.0.3, 10.0.0.2");

        assertThat(resolver.resolve(exchange)).isEqualTo("10.0.0.3");
    }
}
