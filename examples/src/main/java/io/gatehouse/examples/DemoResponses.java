package io.gatehouse.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** How the demo services read a request's path and write their JSON answers. */
final class DemoResponses {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoResponses() {
    }

    /**
     * The request path without a trailing slash: the gateway routes {@code /invocations/} as
     * {@code /invocations}, so a service must answer both alike or admitted requests would 404.
     */
    static String path(HttpServletRequest request) {
        String info = request.getPathInfo();
        String path = info == null ? request.getServletPath() : request.getServletPath() + info;
        return path.length() > 1 && path.endsWith("/")
                ? path.substring(0, path.length() - 1) : path;
    }

    /** Answers {@code {"status": "healthy", "service": name}}. */
    static void healthy(HttpServletResponse response, String name) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "healthy");
        body.put("service", name);
        send(response, HttpServletResponse.SC_OK, body);
    }

    /** Answers {@code {"error": message}} with {@code status}. */
    static void error(HttpServletResponse response, int status, String message)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", message);
        send(response, status, body);
    }

    /** Answers {@code body} as JSON with {@code status} and its exact length. */
    static void send(HttpServletResponse response, int status, JsonNode body)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
