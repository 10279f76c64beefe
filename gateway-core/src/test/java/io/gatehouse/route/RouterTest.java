package io.gatehouse.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {

    private final Route model = Route.builder("model", "/v1/models/{model}/predict").methods("POST")
            .build();
    private final Route modelsAdmin = Route.builder("models-admin", "/v1/models/**").methods("GET",
            "DELETE").build();
    private final Route root = Route.builder("root", "/").methods("GET").build();
    private final Router router = Router.of(List.of(modelsAdmin, model, root));

    @Test
    void mostSpecificRouteWinsAndCapturesVariables() {
        RouteMatch match = router.match("POST", "/v1/models/llama-3/predict");

        assertThat(match).isEqualTo(new RouteMatch.Found(model, Map.of("model", "llama-3")));
    }

    @Test
    void tailPatternMatchesAnyRemainderIncludingNone() {
        assertThat(router.match("GET", "/v1/models")).isInstanceOf(RouteMatch.Found.class);
        assertThat(router.match("GET", "/v1/models/a/b/c")).isInstanceOf(RouteMatch.Found.class);
        assertThat(router.match("GET", "/v1/modelsX")).isInstanceOf(RouteMatch.NotFound.class);
    }

    @Test
    void matchingPathWithOtherMethodListsAllowedMethods() {
        RouteMatch match = router.match("PUT", "/v1/models/llama-3/predict");

        assertThat(match).isEqualTo(new RouteMatch.MethodNotAllowed(Set.of("GET", "DELETE",
                "POST")));
    }

    @Test
    void variableNeverMatchesAnEmptyOrMissingSegment() {
        assertThat(router.match("POST", "/v1/models/predict"))
                .isNotInstanceOf(RouteMatch.Found.class);
        assertThat(PathPattern.parse("/a/{x}").matches("/a")).isFalse();
        assertThat(PathPattern.parse("/a/{x}").matches("/a/b/c")).isFalse();
    }

    @Test
    void rootPatternMatchesOnlyRoot() {
        assertThat(router.match("GET", "/")).isEqualTo(new RouteMatch.Found(root, Map.of()));
        assertThat(PathPattern.parse("/").matches("/x")).isFalse();
    }

    @Test
    void badPatternsAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> PathPattern.parse("no-slash"))
                .hasMessage("path pattern must start with '/': 'no-slash'");
        assertThatThrownBy(() -> PathPattern.parse("/a/**/b"))
                .hasMessage("bad segment '**' in path pattern '/a/**/b'");
        assertThatThrownBy(() -> PathPattern.parse("/a//b"))
                .hasMessage("bad segment '' in path pattern '/a//b'");
        assertThatThrownBy(() -> PathPattern.parse("/a/x{y}"))
                .hasMessage("bad segment 'x{y}' in path pattern '/a/x{y}'");
    }
}
