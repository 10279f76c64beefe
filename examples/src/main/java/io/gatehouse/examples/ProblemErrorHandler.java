package io.gatehouse.examples;

import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Problem;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages as RFC 9457 problems, for the requests Jetty refuses itself before the
 * gateway sees them (ambiguous paths such as {@code //invocations} or {@code /a/..%2Fb}), so a
 * client of the example gets {@code application/problem+json} for every refusal, never an HTML
 * page. Messages of server errors are not shown.
 *
 * <p>Thread-safe (stateless).
 */
final class ProblemErrorHandler extends ErrorHandler {

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response,
            Callback callback, String contentType, List<Charset> charsets, int code,
            String message, Throwable cause) {
        ErrorCode errorCode = switch (code) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> code >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.VALIDATION_ERROR;
        };
        String detail = code < 500 && message != null && !message.isBlank()
                ? message : "the server could not process this request";
        String requestId = newRequestId();
        byte[] body = new Problem(errorCode, code, detail, requestId, Map.of()).toJson();
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.getHeaders().put(Gateway.REQUEST_ID_HEADER, requestId);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /** A fresh id in the gateway's format, 32 hex digits; not a secret. */
    private static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }
}
