package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void matchesIpv4Blocks() {
        Cidr block = Cidr.parse("10.0.0.0/8");

        assertThat(block.contains("10.255.1.2")).isTrue();
        assertThat(block.contains("11.0.0.1")).isFalse();
        assertThat(block.contains("::ffff:10.1.1.1")).isTrue();
    }

    @Test
    void matchesIpv6BlocksAndSingleAddresses() {
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db8:1::5")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db9::5")).isFalse();
        assertThat(Cidr.parse("::1").contains("[::1]")).isTrue();
        assertThat(Cidr.parse("::1").contains("127.0.0.1")).isFalse();
    }

    @Test
    void neverResolvesHostNames() {
        assertThat(Cidr.parse("127.0.0.0/8").contains("localhost")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("example.invalid")).isFalse();
    }

    @Test
    void refusesMalformedBlocksNamingThem() {
        for (String bad : List.of("10.0.0.0/33", "10.0.0/8", "host.example", "::1/129",
                "1.2.3.4/x")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad);
        }
    }

    @Test
    void denyListWinsOverAllowListAndEmptyListsPermitEveryone() {
        List<Cidr> allow = Cidr.parseAll(List.of("10.0.0.0/8", "2001:db8::/32"));
        List<Cidr> deny = Cidr.parseAll(List.of("10.9.0.0/16"));

        assertThat(Cidr.permits(allow, deny, "10.1.2.3")).isTrue();
        assertThat(Cidr.permits(allow, deny, "2001:db8::7")).isTrue();
        assertThat(Cidr.permits(allow, deny, "10.9.1.1")).isFalse();
        assertThat(Cidr.permits(allow, deny, "192.0.2.1")).isFalse();
        assertThat(Cidr.permits(List.of(), deny, "192.0.2.1")).isTrue();
        assertThat(Cidr.permits(List.of(), deny, "::ffff:10.9.0.1")).isFalse();
        assertThat(Cidr.permits(List.of(), List.of(), "not-an-address")).isTrue();
        assertThat(Cidr.permits(List.of(), deny, "not-an-address")).isFalse();
    }

    @Test
    void parseAllNamesTheBadBlock() {
        assertThatThrownBy(() -> Cidr.parseAll(List.of("10.0.0.0/8", "10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.0/33");
    }

    @Test
    void aggregateGroupsIpv6ByPrefixAndLeavesIpv4Alone() {
        assertThat(Cidr.aggregate("2001:db8:1:2:aaaa::1", 64)).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(Cidr.aggregate("[2001:db8:1:2::ffff]", 64)).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(Cidr.aggregate("2001:db8:1:3::1", 64)).isEqualTo("2001:db8:1:3:0:0:0:0/64");
        assertThat(Cidr.aggregate("203.0.113.5", 64)).isEqualTo("203.0.113.5");
        assertThat(Cidr.aggregate("::ffff:203.0.113.5", 64)).isEqualTo("203.0.113.5");
        assertThat(Cidr.aggregate("unknown", 64)).isEqualTo("unknown");
    }
}
