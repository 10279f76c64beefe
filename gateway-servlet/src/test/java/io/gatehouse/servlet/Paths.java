package io.gatehouse.servlet;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/** One servlet mapped to /* that hands each request to the servlet of its exact path, or 404. */
final class Paths extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient Map<String, HttpServlet> byPath;

    Paths(Map<String, HttpServlet> byPath) {
        this.byPath = Map.copyOf(byPath);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        HttpServlet servlet = byPath.get(path);
        if (servlet == null) {
            response.setStatus(path.equals("/invocations") ? 200 : 404);
            return;
        }
        servlet.service(request, response);
    }
}
