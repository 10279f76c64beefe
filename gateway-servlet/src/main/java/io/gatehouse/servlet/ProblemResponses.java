package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.Problem;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the gateway's refusals as {@code application/problem+json}. Stateless. */
final class ProblemResponses {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayFilter.class);

    private ProblemResponses() {
    }

    /**
     * Sends {@code rejected} unless the response is already committed. With {@code close}, the
     * response says {@code Connection: close}: the client must not send another request on this
     * connection, because the container will close it (part of the body is still unread).
     */
    static void write(Admission.Rejected rejected, HttpServletResponse response, boolean close) {
        if (response.isCommitted()) {
            return;
        }
        byte[] body = rejected.problem().toJson();
        try {
            response.resetBuffer();
            response.setStatus(rejected.problem().status());
            rejected.headers().forEach(response::addHeader);
            if (close) {
                response.setHeader("Connection", "close");
            }
            response.setContentType(Problem.MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.flushBuffer();
        } catch (IOException | RuntimeException e) {
            // The client went away or the container refused the write; there is nobody left
            // to tell, and rethrowing would only produce an error page with a stack trace.
            LOG.debug("request {}: the rejection could not be written: {}",
                    rejected.requestId(), e.toString());
        }
    }
}
