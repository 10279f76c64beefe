package io.gatehouse.route;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds the route for a request.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Router {

    /**
     * Routes a request.
     *
     * @param method the request method, upper case
     * @param path   the normalized path
     */
    RouteMatch match(String method, String path);

    /**
     * The routes this router chooses from, so that a gateway can check them when it is built;
     * empty when unknown (a hand-written router).
     */
    default List<Route> routes() {
        return List.of();
    }

    /**
     * A router over {@code routes}: among the routes whose pattern matches, the most specific
     * (most literal segments, no {@code **}) that takes the method wins; ties go to the route
     * listed first.
     */
    static Router of(List<Route> routes) {
        List<Route> given = List.copyOf(routes);
        List<Route> ordered = given.stream()
                .sorted(Comparator.comparingInt((Route route) -> route.pattern().specificity())
                        .reversed())
                .toList();
        RouteMatch notFound = new RouteMatch.NotFound();
        return new Router() {
            @Override
            public RouteMatch match(String method, String path) {
                TreeSet<String> allowed = null;
                for (Route route : ordered) {
                    if (!route.pattern().matches(path)) {
                        continue;
                    }
                    if (route.allowsMethod(method)) {
                        Map<String, String> variables = new HashMap<>(4);
                        route.pattern().match(path, variables);
                        return new RouteMatch.Found(route, variables);
                    }
                    if (allowed == null) {
                        allowed = new TreeSet<>();
                    }
                    allowed.addAll(route.methods());
                }
                return allowed == null ? notFound : new RouteMatch.MethodNotAllowed(allowed);
            }

            @Override
            public List<Route> routes() {
                return given;
            }
        };
    }
}
