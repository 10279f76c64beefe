package io.gatehouse.proxy;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts a client connection whose response has started, so that a response the upstream broke
 * off cannot pass for a complete one. The Servlet API has no such operation; each container
 * offers its own:
 * <ul>
 *   <li>Jetty aborts the connection on {@code sendError(-1)};
 *   <li>Tomcat closes it on its connector response's {@code CLOSE_NOW} action, reached through
 *       the response facade by reflection (Tomcat is not a compile-time dependency).
 * </ul>
 * On another container the connection is completed normally and a warning is logged once:
 * with a {@code Content-Length} the client still sees the truncation; a chunked response would
 * look complete.
 *
 * <p>Thread-safe (stateless apart from the warn-once flag).
 */
final class ConnectionAborter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAborter.class);
    private static volatile boolean warned;

    private ConnectionAborter() {
    }

    /** Aborts the connection of {@code response}; returns whether the container did. */
    static boolean abort(ServletResponse response) {
        ServletResponse inner = response;
        while (inner instanceof ServletResponseWrapper wrapper) {
            inner = wrapper.getResponse();
        }
        String type = inner.getClass().getName();
        try {
            if (type.startsWith("org.apache.catalina.")) {
                return tomcat(inner);
            }
            if (type.startsWith("org.eclipse.jetty.") && inner instanceof
                    jakarta.servlet.http.HttpServletResponse http) {
                http.sendError(-1);
                return true;
            }
        } catch (ReflectiveOperationException | RuntimeException | java.io.IOException e) {
            LOG.debug("the container refused to abort a connection", e);
        }
        if (!warned) {
            warned = true;
            LOG.warn("cannot abort client connections on {}; a broken-off upstream response "
                    + "will end as if complete unless it declared its length", type);
        }
        return false;
    }

    private static boolean tomcat(ServletResponse facade) throws ReflectiveOperationException {
        Object connectorResponse = facade;
        if (facade.getClass().getName().equals("org.apache.catalina.connector.ResponseFacade")) {
            Field field = facade.getClass().getDeclaredField("response");
            field.setAccessible(true);
            connectorResponse = field.get(facade);
        }
        Object coyote = connectorResponse.getClass().getMethod("getCoyoteResponse")
                .invoke(connectorResponse);
        ClassLoader loader = coyote.getClass().getClassLoader();
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object closeNow = Enum.valueOf((Class) Class.forName("org.apache.coyote.ActionCode",
                false, loader), "CLOSE_NOW");
        Method action = coyote.getClass().getMethod("action", closeNow.getClass(), Object.class);
        action.invoke(coyote, closeNow, null);
        return true;
    }
}
