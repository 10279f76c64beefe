package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Seam 1: a decision that needs a body the adapter has not buffered waits for it. */
class GatewayBodyNeededTest {

    private static final Principal ALICE =
            new Principal("alice", "premium", Set.of(), Set.of(), "key_1");

    private final AtomicInteger authentications = new AtomicInteger();
    private final AtomicInteger limiterCalls = new AtomicInteger();

    private final Authenticator byHeader = request -> {
        authentications.incrementAndGet();
        return "good".equals(request.header("X-API-Key")) ? new AuthResult.Authenticated(ALICE)
                : AuthResult.noCredentials();
    };

    private final RateLimiter countingLimiter = (request, principal, route) -> {
        limiterCalls.incrementAndGet();
        return new LimitDecision.Allowed(ResponseHeaders.empty(), actualCost -> { });
    };

    private final Route validated = Route.builder("validated", "/validated").methods("POST")
            .maxBodyBytes(64)
            .validator(JsonBodyValidator.builder().require("prompt", JsonType.STRING).build())
            .build();
    private final Route plain = Route.builder("plain", "/plain").methods("POST")
            .maxBodyBytes(64).build();

    private final Gateway gateway = Gateway.builder(Router.of(List.of(validated, plain)))
            .authenticator(byHeader)
            .rateLimiter(countingLimiter)
            .build();

    @Test
    void validatedRouteWaitsForTheBodyBeforeAuthenticatingOrCounting() {
        TestExchange exchange = TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").header("X-Request-ID", "req-1")
                .body("{\"prompt\":\"hi\"}").bodyPending();

        Admission admission = gateway.admit(exchange);

        assertThat(admission).isInstanceOf(Admission.BodyNeeded.class);
        Admission.BodyNeeded needed = (Admission.BodyNeeded) admission;
        assertThat(needed.requestId()).isEqualTo("req-1");
        assertThat(needed.maxBytes()).isEqualTo(64);
        assertThat(needed.route().id()).isEqualTo("validated");
        assertThat(needed.headers().get("X-Request-ID")).isEqualTo("req-1");
        assertThat(authentications).hasValue(0);
        assertThat(limiterCalls).hasValue(0);
        assertThat(exchange.bodyReads()).isZero();
    }

    @Test
    void resumeDecidesOnTheBufferedBodyWithTheSameRequestId() {
        TestExchange exchange = TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").body("{\"prompt\":\"hi\"}").bodyPending();
        Admission.BodyNeeded needed = (Admission.BodyNeeded) gateway.admit(exchange);

        exchange.bodyArrived();
        Admission resumed = needed.resume();

        assertThat(resumed).isInstanceOf(Admission.Admitted.class);
        assertThat(resumed.requestId()).isEqualTo(needed.requestId());
        assertThat(((Admission.Admitted) resumed).principal()).isEqualTo(ALICE);
        assertThat(authentications).hasValue(1);
        assertThat(limiterCalls).hasValue(1);
        assertThat(exchange.bodyReads()).isEqualTo(1);
    }

    @Test
    void resumeRefusesAnInvalidBodyAndCanRunOnlyOnce() {
        TestExchange exchange = TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").body("{\"other\":1}").bodyPending();
        Admission.BodyNeeded needed = (Admission.BodyNeeded) gateway.admit(exchange);
        exchange.bodyArrived();

        Admission resumed = needed.resume();

        assertThat(resumed).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) resumed).problem().code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(resumed.requestId()).isEqualTo(needed.requestId());
        assertThatThrownBy(needed::resume).isInstanceOf(IllegalStateException.class);
        assertThat(authentications).hasValue(1);
    }

    @Test
    void routeWithoutValidatorsAndDeclaredLengthIsAdmittedWithoutTheBody() {
        TestExchange exchange = TestExchange.request("POST", "/plain")
                .header("X-API-Key", "good").body("0123456789").bodyPending();

        Admission admission = gateway.admit(exchange);

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(exchange.bodyReads()).isZero();
    }

    @Test
    void bodyOfUnknownLengthIsWaitedForEvenWithoutValidators() {
        TestExchange exchange = TestExchange.request("POST", "/plain")
                .header("X-API-Key", "good").body(new byte[100], false).bodyPending();

        Admission.BodyNeeded needed = (Admission.BodyNeeded) gateway.admit(exchange);
        exchange.bodyArrived();
        Admission resumed = needed.resume();

        assertThat(((Admission.Rejected) resumed).problem().code())
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void declaredOversizedBodyIsRefusedWithoutWaitingForIt() {
        TestExchange exchange = TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").body(new byte[65], true).bodyPending();

        Admission admission = gateway.admit(exchange);

        assertThat(((Admission.Rejected) admission).problem().code())
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(exchange.bodyReads()).isZero();
    }

    @Test
    void signedRequestWithABodyWaitsForItEvenWithoutValidators() {
        TestExchange exchange = TestExchange.request("POST", "/plain")
                .header("Signature-Input", "sig=(\"content-digest\");keyid=\"k\"")
                .body("0123456789").bodyPending();

        assertThat(gateway.admit(exchange)).isInstanceOf(Admission.BodyNeeded.class);
        assertThat(authentications).hasValue(0);
    }

    @Test
    void bodylessRequestNeverWaits() {
        TestExchange exchange = TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").bodyPending();

        Admission admission = gateway.admit(exchange);

        assertThat(admission).isNotInstanceOf(Admission.BodyNeeded.class);
        assertThat(((Admission.Rejected) admission).problem().code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
    }

    @Test
    void unreadableBodyIsAClientFault400NotAnInternalError() {
        Exchange aborted = new ForwardingExchange(TestExchange.request("POST", "/validated")
                .header("X-API-Key", "good").body("{\"prompt\":\"hi\"}")) {
            @Override
            public byte[] readBody(int maxBytes) throws IOException {
                throw new IOException("early EOF");
            }
        };

        Admission admission = gateway.admit(aborted);

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(problem.detail()).isEqualTo("the request body could not be read");
    }

    @Test
    void drainIsIdempotentAndVisible() {
        assertThat(gateway.draining()).isFalse();

        gateway.drain();
        gateway.drain();

        assertThat(gateway.draining()).isTrue();
    }

    /** Delegates everything to another exchange; tests override what they break. */
    private static class ForwardingExchange implements Exchange {
        private final Exchange delegate;

        ForwardingExchange(Exchange delegate) {
            this.delegate = delegate;
        }

        @Override
        public String method() {
            return delegate.method();
        }

        @Override
        public String rawPath() {
            return delegate.rawPath();
        }

        @Override
        public String query() {
            return delegate.query();
        }

        @Override
        public String header(String name) {
            return delegate.header(name);
        }

        @Override
        public List<String> headerValues(String name) {
            return delegate.headerValues(name);
        }

        @Override
        public Iterable<String> headerNames() {
            return delegate.headerNames();
        }

        @Override
        public String remoteAddress() {
            return delegate.remoteAddress();
        }

        @Override
        public long contentLength() {
            return delegate.contentLength();
        }

        @Override
        public byte[] readBody(int maxBytes) throws IOException {
            return delegate.readBody(maxBytes);
        }
    }
}
