package io.gatehouse.route;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of routing one request.
 *
 * <p>Immutable.
 */
public sealed interface RouteMatch {

    /** A route takes the request; {@code variables} holds its {@code {name}} path segments. */
    record Found(Route route, Map<String, String> variables) implements RouteMatch {
        public Found {
            Objects.requireNonNull(route, "route");
            variables = Map.copyOf(variables);
        }
    }

    /** No route's pattern matches the path: 404. */
    record NotFound() implements RouteMatch {
    }

    /** Routes match the path but none takes the method: 405 with {@code Allow}. */
    record MethodNotAllowed(Set<String> allowed) implements RouteMatch {
        public MethodNotAllowed {
            allowed = Set.copyOf(allowed);
        }
    }
}
