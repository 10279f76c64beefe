package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the gateway's refusals as {@code application/problem+json}. Stateless. */
final class ProblemResponses {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayFilter.class);

    private static final ResponseHeaders CHALLENGE = ResponseHeaders.builder()
            .add("WWW-Authenticate", "Bearer realm=\"gatehouse\"").build();

    private ProblemResponses() {
    }

    /** The admission the gateway filter left on {@code request}, or {@code null}. */
    static Admission.Admitted admission(ServletRequest request) {
        return request.getAttribute(GatewayFilter.ADMISSION_ATTRIBUTE)
                instanceof Admission.Admitted admitted ? admitted : null;
    }

    /**
     * The admission of an authenticated caller; otherwise answers 401
     * {@code MISSING_CREDENTIALS} with a bearer challenge and returns {@code null}. For servlets
     * that report about the caller, mounted on a route that requires credentials.
     */
    static Admission.Admitted authenticated(ServletRequest request,
            HttpServletResponse response, String detail) {
        Admission.Admitted admitted = admission(request);
        if (admitted == null || admitted.principal().isAnonymous()) {
            refuse(response, Problem.of(ErrorCode.MISSING_CREDENTIALS, detail,
                    admitted == null ? "" : admitted.requestId()), CHALLENGE);
            return null;
        }
        return admitted;
    }

    /** Sends {@code problem} from a servlet's own answer, never cached. */
    static void refuse(HttpServletResponse response, Problem problem, ResponseHeaders headers) {
        response.setHeader("Cache-Control", "no-store");
        write(new Admission.Rejected(problem, headers), response, false);
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
