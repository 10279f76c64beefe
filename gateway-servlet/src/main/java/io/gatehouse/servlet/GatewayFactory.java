package io.gatehouse.servlet;

import io.gatehouse.Gateway;
import java.util.Map;

/**
 * Builds the {@link Gateway} for a {@link GatewayFilter} that the servlet container instantiates
 * itself (from {@code web.xml} or a {@code FilterRegistration}). Name the implementing class in
 * the filter's {@value GatewayFilter#FACTORY_PARAMETER} init parameter; it must be public and
 * have a public no-argument constructor.
 *
 * <p>Implementations are called once per filter instance, during {@code Filter#init}, and need not
 * be thread-safe. The filter owns the gateway returned: {@code Filter#destroy} closes it
 * ({@link Gateway#close()}), with whatever it was built to close
 * ({@link Gateway.Builder#closing}), so an undeployed web application leaves nothing running.
 */
@FunctionalInterface
public interface GatewayFactory {

    /**
     * Creates the gateway the filter will use.
     *
     * @param initParameters every init parameter of the filter, by name (unmodifiable)
     * @return the gateway; never {@code null}
     * @throws Exception when the configuration is unusable; the filter's {@code init} then fails
     *     with a {@code ServletException} that names the factory and carries this cause
     */
    Gateway create(Map<String, String> initParameters) throws Exception;
}
