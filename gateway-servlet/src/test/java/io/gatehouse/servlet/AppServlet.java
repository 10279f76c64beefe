package io.gatehouse.servlet;

import io.gatehouse.Admission;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The application behind the gateway in the tests: records what reached it. */
final class AppServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Invocations per path. */
    final Map<String, AtomicInteger> invocations = new ConcurrentHashMap<>();
    /** Bodies received, in order. */
    final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    /** Request ids the application saw in the admission attribute. */
    final List<String> requestIds = new CopyOnWriteArrayList<>();
    /** Per request, whether the gateway handed over a replaying wrapper, in order. */
    final List<Boolean> replayed = new CopyOnWriteArrayList<>();
    /** Released by a test to let an async response finish. */
    volatile CountDownLatch asyncGate = new CountDownLatch(0);

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        invocations.computeIfAbsent(path, key -> new AtomicInteger()).incrementAndGet();
        replayed.add(request instanceof ReplayingRequest);
        Object admission = request.getAttribute(GatewayFilter.ADMISSION_ATTRIBUTE);
        if (admission instanceof Admission admitted) {
            requestIds.add(admitted.requestId());
        }
        switch (path) {
            case "/echo", "/json" -> echo(request.getInputStream().readAllBytes(), response);
            case "/echo-reader" -> echoReader(request, response);
            case "/form" -> {
                String a = String.join(",", request.getParameterValues("a"));
                String b = request.getParameter("b");
                response.setContentType("text/plain;charset=UTF-8");
                response.getWriter().write("a=" + a + " b=" + b);
            }
            case "/async" -> async(request, response);
            case "/throws" -> throw new IllegalStateException("the application failed");
            case "/stream" -> {
                response.setContentType("text/plain");
                response.getOutputStream().write("first|".getBytes(StandardCharsets.US_ASCII));
                response.flushBuffer();
                response.getOutputStream().write("second".getBytes(StandardCharsets.US_ASCII));
            }
            case "/cost" -> {
                bodies.add(request.getInputStream().readAllBytes());
                request.setAttribute(GatewayFilter.ACTUAL_COST_ATTRIBUTE, 42L);
                response.setStatus(200);
            }
            default -> response.sendError(404);
        }
    }

    private void echo(byte[] body, HttpServletResponse response) throws IOException {
        bodies.add(body);
        response.setContentType("application/octet-stream");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private void echoReader(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        StringBuilder text = new StringBuilder();
        char[] buffer = new char[4096];
        for (int read; (read = request.getReader().read(buffer)) >= 0; ) {
            text.append(buffer, 0, read);
        }
        echo(text.toString().getBytes(StandardCharsets.UTF_8), response);
    }

    private void async(HttpServletRequest request, HttpServletResponse response) {
        AsyncContext async = request.startAsync();
        CountDownLatch gate = asyncGate;
        CompletableFuture.runAsync(() -> {
            try {
                gate.await(10, TimeUnit.SECONDS);
                response.setStatus(202);
                response.getOutputStream().write("later".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException | InterruptedException e) {
                response.setStatus(500);
            } finally {
                async.complete();
            }
        });
    }

    int invocations(String path) {
        AtomicInteger count = invocations.get(path);
        return count == null ? 0 : count.get();
    }

    void reset() {
        invocations.clear();
        bodies.clear();
        requestIds.clear();
        replayed.clear();
        asyncGate = new CountDownLatch(0);
    }
}
