package io.gatehouse;

import io.gatehouse.auth.Principal;
import io.gatehouse.observe.LogText;
import io.gatehouse.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per request on logger {@code io.gatehouse.access}, at INFO: the text message reads
 * {@code METHOD PATH STATUS DURATIONus key=value ...}, and the same fields travel as SLF4J key
 * values ({@code method}, {@code path}, {@code route}, {@code status}, {@code duration_us},
 * {@code bytes_in}, {@code bytes_out}, {@code principal}, {@code tier}, {@code code},
 * {@code client}, {@code trace_id}), so a JSON encoder writes them as fields. {@code request_id}
 * and {@code trace_id} are in the MDC while the line is written. {@code bytes_out} is the
 * response body as handed to the container ({@link Outcome#bytesOut()}), -1 when unknown and
 * for refused requests (the adapter writes their problem).
 *
 * <p>Values that came from the client (path, request id) are escaped: control characters,
 * DEL and the Unicode line and paragraph separators become {@code \\uXXXX}, so one request is
 * always one line. Credentials are never among the fields.
 *
 * <p>Thread-safe (stateless).
 */
final class AccessLog {

    static final Logger ACCESS = LoggerFactory.getLogger("io.gatehouse.access");

    private AccessLog() {
    }

    static boolean enabled() {
        return ACCESS.isInfoEnabled();
    }

    /** The line of a refused request; {@code route} may be null (refused by routing). */
    static void rejected(Exchange exchange, Route route, Problem problem, long micros,
            String traceId) {
        write(exchange.method(), exchange.rawPath(), route, problem.status(), micros,
                exchange.contentLength(), -1, null, problem.code().name(),
                exchange.remoteAddress(), problem.requestId(), traceId);
    }

    /** The line of an admitted request whose response finished. */
    static void completed(GatewayRequest request, Route route, Principal principal, int status,
            long micros, long bytesOut) {
        write(request.method(), request.exchange().rawPath(), route, status, micros,
                request.exchange().contentLength(), bytesOut, principal, "none",
                request.clientAddress(),
                request.requestId(), request.trace().traceId());
    }

    private static void write(String method, String rawPath, Route route, int status,
            long micros, long bytesIn, long bytesOut, Principal principal, String code,
            String client,
            String requestId, String traceId) {
        String path = escape(rawPath);
        String routeId = route == null ? "none" : route.id();
        String principalId = principal == null ? "-" : escape(principal.id());
        String tier = principal == null ? "-" : escape(principal.tier());
        String clientAddress = escape(client);
        MDC.put("request_id", escape(requestId));
        MDC.put(Gateway.TRACE_ID, traceId);
        try {
            LoggingEventBuilder line = ACCESS.atInfo()
                    .addKeyValue("method", escape(method))
                    .addKeyValue("path", path)
                    .addKeyValue("route", routeId)
                    .addKeyValue("status", status)
                    .addKeyValue("duration_us", micros)
                    .addKeyValue("bytes_in", bytesIn)
                    .addKeyValue("bytes_out", bytesOut)
                    .addKeyValue("principal", principalId)
                    .addKeyValue("tier", tier)
                    .addKeyValue("code", code)
                    .addKeyValue("client", clientAddress)
                    .addKeyValue(Gateway.TRACE_ID, traceId);
            line.log("{} {} {} {}us route={} code={} principal={} tier={} client={} trace={}"
                    + " bytes_out={}", escape(method), path, status, micros, routeId, code,
                    principalId, tier, clientAddress, traceId, bytesOut);
        } finally {
            MDC.remove("request_id");
            MDC.remove(Gateway.TRACE_ID);
        }
    }

    /** {@code value} escaped by {@link LogText}, the one escaper of client values; "-" if null. */
    static String escape(String value) {
        return value == null ? "-" : LogText.escape(value);
    }
}
