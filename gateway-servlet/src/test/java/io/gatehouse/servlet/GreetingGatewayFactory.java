package io.gatehouse.servlet;

import io.gatehouse.Gateway;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import java.util.Map;

/** A factory the container instantiates by name: one public route, its path an init parameter. */
public final class GreetingGatewayFactory implements GatewayFactory {

    @Override
    public Gateway create(Map<String, String> initParameters) {
        String path = initParameters.get("greeting.path");
        if (path == null) {
            throw new IllegalArgumentException("init parameter greeting.path is required");
        }
        return Gateway.builder(Router.of(List.of(
                Route.builder("greeting", path).methods("GET").publicAccess().build())))
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND).build();
    }
}
