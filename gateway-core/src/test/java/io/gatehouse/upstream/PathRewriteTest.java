package io.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathRewriteTest {

    @Test
    void noneKeepsThePath() {
        assertThat(PathRewrite.none().apply("/v1/embed")).isEqualTo("/v1/embed");
    }

    @Test
    void stripPrefixRemovesWholeSegmentsOnly() {
        PathRewrite strip = PathRewrite.stripPrefix("/v1/");
        assertThat(strip.apply("/v1/embed")).isEqualTo("/embed");
        assertThat(strip.apply("/v1")).isEqualTo("/");
        assertThat(strip.apply("/v10/embed")).isEqualTo("/v10/embed");
        assertThat(strip.apply("/other")).isEqualTo("/other");
    }

    @Test
    void replacePrefixKeepsTheRest() {
        PathRewrite replace = PathRewrite.replacePrefix("/api/orders", "/internal/v2");
        assertThat(replace.apply("/api/orders/17")).isEqualTo("/internal/v2/17");
        assertThat(replace.apply("/api/orders")).isEqualTo("/internal/v2");
        assertThat(replace.apply("/api/ordersx")).isEqualTo("/api/ordersx");
        assertThat(PathRewrite.replacePrefix("/api", "/").apply("/api/x")).isEqualTo("/x");
    }

    @Test
    void regexRewritesWithNumberedAndNamedGroups() {
        assertThat(PathRewrite.regex("^/api/([^/]+)/(.*)$", "/$1/v1/$2")
                .apply("/api/orders/17/items")).isEqualTo("/orders/v1/17/items");
        assertThat(PathRewrite.regex("^/u/(?<user>[a-z]+)$", "/users/${user}").apply("/u/ann"))
                .isEqualTo("/users/ann");
        assertThat(PathRewrite.regex("^/nomatch$", "/x").apply("/keep")).isEqualTo("/keep");
    }

    @Test
    void badRewritesFailAtBuildNamingTheValue() {
        assertThatThrownBy(() -> PathRewrite.stripPrefix("v1"))
                .hasMessageContaining("'v1' must start with /");
        assertThatThrownBy(() -> PathRewrite.regex("^/(a", "/$1"))
                .hasMessageContaining("'^/(a' is invalid");
        assertThatThrownBy(() -> PathRewrite.regex("^/(a)$", "/$2"))
                .hasMessageContaining("'/$2'").hasMessageContaining("group $2 does not exist");
        assertThatThrownBy(() -> PathRewrite.regex("^/(a)$", "/${name}"))
                .hasMessageContaining("named group 'name' does not exist");
    }
}
