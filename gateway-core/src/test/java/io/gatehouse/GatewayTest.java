package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GatewayTest {

    private static final Principal ALICE =
            new Principal("alice", "premium", Set.of("user"), Set.of("invoke"), "key_1");

    private final AtomicInteger limiterCalls = new AtomicInteger();
    private final AtomicInteger holdsCompleted = new AtomicInteger();
    private final AtomicLong settledCost = new AtomicLong(Long.MIN_VALUE);

    private final Authenticator byHeader = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        return key.equals("good") ? new AuthResult.Authenticated(ALICE)
                : new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "the API key is not valid");
    };

    private final RateLimiter countingLimiter = (request, principal, route) -> {
        limiterCalls.incrementAndGet();
        return new LimitDecision.Allowed(
                ResponseHeaders.builder().add("X-RateLimit-Limit", "100").build(),
                actualCost -> {
                    holdsCompleted.incrementAndGet();
                    settledCost.set(actualCost);
                });
    };

    private final Route invocations = Route.builder("invocations", "/invocations")
            .methods("POST")
            .maxBodyBytes(64)
            .validator(JsonBodyValidator.builder().require("prompt", JsonType.STRING).build())
            .build();
    private final Route health = Route.builder("health", "/health").methods("GET").publicAccess()
            .build();
    private final Route admin = Route.builder("admin", "/admin/**").requireRoles("admin").build();

    private Gateway gateway(RateLimiter limiter) {
        return Gateway.builder(Router.of(List.of(invocations, health, admin)))
                .authenticator(byHeader)
                .rateLimiter(limiter)
                .build();
    }

    private Gateway gateway() {
        return gateway(countingLimiter);
    }

    @Test
    void validRequestIsAdmittedWithLimitHeadersAndRequestId() {
        Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body("{\"prompt\":\"hi\"}"));

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        Admission.Admitted admitted = (Admission.Admitted) admission;
        assertThat(admitted.principal()).isEqualTo(ALICE);
        assertThat(admitted.route().id()).isEqualTo("invocations");
        assertThat(admitted.headers().get("X-Request-ID")).matches("[0-9a-f]{32}");
        assertThat(admitted.headers().get("X-RateLimit-Limit")).isEqualTo("100");
        assertThat(holdsCompleted).hasValue(0);
    }

    @Test
    void grantCompletesItsHoldExactlyOnceWithTheActualCost() {
        Admission.Admitted admitted = (Admission.Admitted) gateway().admit(
                TestExchange.request("POST", "/invocations").header("X-API-Key", "good")
                        .body("{\"prompt\":\"hi\"}"));

        admitted.grant().complete(new Outcome(200, 42));
        admitted.grant().complete(new Outcome(200, 7));

        assertThat(holdsCompleted).hasValue(1);
        assertThat(settledCost).hasValue(42);
    }

    @Test
    void refusedRequestsGetAnAccessLogLineWithStatusAndCode() {
        ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger("io.gatehouse.access");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        access.addAppender(lines);
        ch.qos.logback.classic.Level before = access.getLevel();
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                    .from("203.0.113.4").header("X-API-Key", "invalid_key"));

            assertThat(lines.list).hasSize(1);
            String traceId = ((Admission.Rejected) admission).problem().extensions()
                    .get("trace_id").toString();
            assertThat(traceId).matches("[0-9a-f]{32}");
            assertThat(lines.list.get(0).getFormattedMessage())
                    .matches("POST /invocations 401 \\d+us route=invocations"
                            + " code=INVALID_API_KEY principal=- tier=- client=203.0.113.4"
                            + " trace=" + traceId + " bytes_out=-1");
            assertThat(lines.list.get(0).getMDCPropertyMap())
                    .containsEntry("request_id", admission.requestId())
                    .containsEntry("trace_id", traceId);
            assertThat(lines.list.get(0).getKeyValuePairs())
                    .anySatisfy(pair -> {
                        assertThat(pair.key).isEqualTo("code");
                        assertThat(pair.value).isEqualTo("INVALID_API_KEY");
                    });
            assertThat(lines.list.get(0).getFormattedMessage()).doesNotContain("invalid_key");
        } finally {
            access.detachAppender(lines);
            access.setLevel(before);
        }
    }

    @Test
    void unknownPathIsNotFoundProblemWhenTheGatewayOwnsEveryPath() {
        Gateway owning = Gateway.builder(Router.of(List.of(invocations, health, admin)))
                .authenticator(byHeader).rateLimiter(countingLimiter)
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND).build();
        Admission admission = owning.admit(TestExchange.request("GET", "/nowhere"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(404);
        assertThat(problem.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(problem.requestId()).isEqualTo(admission.requestId());
        assertThat(limiterCalls).hasValue(0);
    }

    @Test
    void wrongMethodIsMethodNotAllowedWithAllowHeader() {
        Admission admission = gateway().admit(TestExchange.request("DELETE", "/invocations"));

        assertThat(((Admission.Rejected) admission).problem().status()).isEqualTo(405);
        assertThat(admission.headers().get("Allow")).isEqualTo("POST");
    }

    @Test
    void missingCredentialsOnProtectedRouteIs401WithoutConsumingLimits() {
        Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                .body("{\"prompt\":\"hi\"}"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(401);
        assertThat(problem.code()).isEqualTo(ErrorCode.MISSING_CREDENTIALS);
        assertThat(admission.headers().get("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"gatehouse\"");
        assertThat(limiterCalls).hasValue(0);
    }

    @Test
    void refusedCredentialIs401EvenOnPublicRoute() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/health")
                .header("X-API-Key", "invalid_key"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_API_KEY);
        assertThat(problem.detail()).doesNotContain("invalid_key");
        assertThat(admission.headers().get("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"gatehouse\"");
    }

    @Test
    void publicRouteAdmitsAnonymousCallers() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/health"));

        assertThat(((Admission.Admitted) admission).principal().isAnonymous()).isTrue();
    }

    @Test
    void principalWithoutRequiredRoleIsForbiddenNotUnauthorized() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/admin/keys")
                .header("X-API-Key", "good"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(403);
        assertThat(problem.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(problem.detail())
                .isEqualTo("the caller lacks roles [admin] required by route admin");
        assertThat(limiterCalls).hasValue(0);
    }

    @Test
    void deniedLimitReturnsTheLimitersProblemAndHeaders() {
        RateLimiter denying = (request, principal, route) -> new LimitDecision.Denied(
                ResponseHeaders.builder().add("Retry-After", "360").build(),
                Problem.of(ErrorCode.RATE_LIMIT_EXCEEDED, "per-hour exceeded",
                        request.requestId()));

        Admission admission = gateway(denying).admit(TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body("{\"prompt\":\"hi\"}"));

        Admission.Rejected rejected = (Admission.Rejected) admission;
        assertThat(rejected.problem().status()).isEqualTo(429);
        assertThat(rejected.headers().get("Retry-After")).isEqualTo("360");
        assertThat(rejected.headers().get("X-Request-ID")).isEqualTo(rejected.requestId());
    }

    @Test
    void declaredOversizedBodyIs413WithoutReadingItAndReleasesTheHold() {
        TestExchange exchange = TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body("{\"prompt\":\"" + "x".repeat(100) + "\"}");

        Admission admission = gateway().admit(exchange);

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(413);
        assertThat(problem.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(problem.extensions()).containsEntry("max_bytes", 64);
        assertThat(exchange.bodyReads()).isZero();
        assertThat(holdsCompleted).hasValue(1);
    }

    @Test
    void chunkedOversizedBodyIs413() {
        byte[] body = ("{\"prompt\":\"" + "x".repeat(100) + "\"}").getBytes();
        Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body(body, false));

        assertThat(((Admission.Rejected) admission).problem().status()).isEqualTo(413);
    }

    @Test
    void bodyExactlyAtTheLimitIsAccepted() {
        String prompt = "x".repeat(64 - "{\"prompt\":\"\"}".length());
        Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body("{\"prompt\":\"" + prompt + "\"}"));

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void missingRequiredFieldIs400NamingTheFieldAndReleasesTheHold() {
        Admission admission = gateway().admit(TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "good").body("{\"context\":{}}"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(problem.detail()).isEqualTo("invalid fields: prompt is required");
        assertThat(problem.extensions()).containsEntry("errors",
                List.of(Map.of("field", "/prompt", "message", "is required")));
        // Members in a stable order, so the same refusal always reads the same.
        assertThat(new String(problem.toJson(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"errors\":[{\"field\":\"/prompt\",\"message\":\"is required\"}]");
        assertThat(holdsCompleted).hasValue(1);
    }

    @Test
    void saneIncomingRequestIdIsKept() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/health")
                .header("X-Request-ID", "trace-42.a:b/c_d"));

        assertThat(admission.requestId()).isEqualTo("trace-42.a:b/c_d");
        assertThat(admission.headers().get("X-Request-ID")).isEqualTo("trace-42.a:b/c_d");
    }

    @Test
    void unsafeIncomingRequestIdIsReplaced() {
        for (String unsafe : List.of("a b", "x\r\nSet-Cookie: y", "", "z".repeat(129),
                "<script>")) {
            Admission admission = gateway().admit(TestExchange.request("GET", "/health")
                    .header("X-Request-ID", unsafe));

            assertThat(admission.requestId()).isNotEqualTo(unsafe).matches("[0-9a-f]{32}");
        }
    }

    @Test
    void ambiguousPathIsRefusedBeforeRouting() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/admin%2Fkeys"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.detail()).isEqualTo("the request path is malformed or ambiguous");
    }

    @Test
    void dotSegmentsCannotSneakPastARoute() {
        Admission admission = gateway().admit(TestExchange.request("GET", "/health/../admin/keys")
                .header("X-API-Key", "good"));

        assertThat(((Admission.Rejected) admission).problem().code())
                .isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void failingAuthenticatorBecomesInternalErrorProblemWithoutDetailsOfTheFailure() {
        Gateway broken = Gateway.builder(Router.of(List.of(invocations)))
                .authenticator(request -> {
                    throw new IllegalStateException("secret-bearing internal message");
                })
                .build();

        Admission admission = broken.admit(TestExchange.request("POST", "/invocations"));

        Problem problem = ((Admission.Rejected) admission).problem();
        assertThat(problem.status()).isEqualTo(500);
        assertThat(problem.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(new String(problem.toJson())).doesNotContain("secret-bearing");
    }

    @Test
    void clientAddressComesFromForwardedHeadersOnlyBehindTrustedProxies() {
        Gateway behindProxy = Gateway.builder(Router.of(List.of(health)))
                .trustedProxies(List.of("10.0.0.0/8"))
                .build();

        Admission viaProxy = behindProxy.admit(TestExchange.request("GET", "/health")
                .from("10.1.2.3").header("X-Forwarded-For", "198.51.100.7, 10.9.9.9"));
        Admission direct = behindProxy.admit(TestExchange.request("GET", "/health")
                .from("203.0.113.5").header("X-Forwarded-For", "198.51.100.7"));

        assertThat(((Admission.Admitted) viaProxy).request().clientAddress())
                .isEqualTo("198.51.100.7");
        assertThat(((Admission.Admitted) direct).request().clientAddress())
                .isEqualTo("203.0.113.5");
    }

    @Test
    void aCallerCannotPickItsAddressWithAForwardedHeaderTheProxyDoesNotWrite() {
        Route internal = Route.builder("internal", "/internal").publicAccess()
                .allowFrom("10.20.0.0/16").build();
        // The proxy (like nginx by default) appends to X-Forwarded-For and passes Forwarded on.
        Gateway behindNginx = Gateway.builder(Router.of(List.of(internal)))
                .trustedProxies(List.of("10.0.0.1"))
                .build();

        Admission spoofed = behindNginx.admit(TestExchange.request("GET", "/internal")
                .from("10.0.0.1").header("Forwarded", "for=10.20.0.5")
                .header("X-Forwarded-For", "203.0.113.66"));
        Admission genuine = behindNginx.admit(TestExchange.request("GET", "/internal")
                .from("10.0.0.1").header("X-Forwarded-For", "10.20.0.5"));

        assertThat(((Admission.Rejected) spoofed).problem().code())
                .isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(((Admission.Admitted) genuine).request().clientAddress())
                .isEqualTo("10.20.0.5");
    }

    @Test
    void clientControlledValuesInAccessLogLinesCannotBreakTheLine() {
        ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger("io.gatehouse.access");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        access.addAppender(lines);
        ch.qos.logback.classic.Level before = access.getLevel();
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        Gateway files = Gateway.builder(Router.of(List.of(
                        Route.builder("files", "/files/**").build())))
                .authenticator(request -> request.header("X-User") == null
                        ? io.gatehouse.auth.AuthResult.noCredentials()
                        : new io.gatehouse.auth.AuthResult.Authenticated(
                                new io.gatehouse.auth.Principal(request.header("X-User"), "t",
                                        java.util.Set.of(), java.util.Set.of(), "k")))
                .build();
        try {
            Admission admitted = files.admit(TestExchange.request("GET", "/files/a%E2%80%A8b")
                    .header("X-User", "eve\u0085admin\u2029x"));
            ((Admission.Admitted) admitted).grant().complete(new Outcome(200, -1));
            files.admit(TestExchange.request("GET", "/files/\u0085x\u2028y"));

            assertThat(lines.list).hasSize(2);
            assertThat(lines.list.get(0).getFormattedMessage())
                    .matches("GET /files/a%E2%80%A8b 200 \\d+us route=files code=none"
                            + " principal=eve\\\\u0085admin\\\\u2029x tier=t"
                            + " client=127\\.0\\.0\\.1 trace=[0-9a-f]{32} bytes_out=-1");
            assertThat(lines.list.get(0).getKeyValuePairs())
                    .anySatisfy(pair -> {
                        assertThat(pair.key).isEqualTo("principal");
                        assertThat(pair.value).isEqualTo("eve\\u0085admin\\u2029x");
                    });
            assertThat(lines.list.get(1).getFormattedMessage())
                    .matches("GET /files/\\\\u0085x\\\\u2028y 400 \\d+us route=\\w+"
                            + " code=VALIDATION_ERROR principal=- tier=- client=127\\.0\\.0\\.1"
                            + " trace=[0-9a-f]{32} bytes_out=-1");
            assertThat(lines.list).allSatisfy(line -> assertThat(line.getFormattedMessage())
                    .doesNotContain("\u0085", "\u2028", "\u2029", "\n", "\r"));
        } finally {
            access.detachAppender(lines);
            access.setLevel(before);
        }
    }

    @Test
    void aRouteWithLimitsButNoRateLimiterIsABuildError() {
        io.gatehouse.limit.LimitRule twoPerMinute = io.gatehouse.limit.LimitRule.builder(
                        "per-minute", io.gatehouse.limit.LimitAlgorithm.FIXED_WINDOW)
                .limit(2, java.time.Duration.ofMinutes(1)).build();
        Router routes = Router.of(List.of(health,
                Route.builder("chat", "/chat").publicAccess().limit(twoPerMinute).build()));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateway.builder(routes).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route 'chat' declares limits but the gateway has no rate limiter"
                        + " to enforce them; give it one with rateLimiter(...)");
        Gateway limited = Gateway.builder(routes).rateLimiter(
                io.gatehouse.limit.TieredRateLimiter.builder(
                        io.gatehouse.limit.LimitStores.inMemory()).build()).build();
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Admission admission = limited.admit(TestExchange.request("GET", "/chat"));
            statuses.add(admission instanceof Admission.Rejected rejected
                    ? rejected.problem().status() : 200);
        }
        assertThat(statuses).containsExactly(200, 200, 429);
        assertThat(Gateway.builder(Router.of(List.of(health))).build()).isNotNull();
    }

    @Test
    void unmatchedPathsPassThroughByDefaultButWrongMethodsAreStill405() {
        Gateway dropIn = Gateway.builder(Router.of(List.of(health))).build();

        Admission unknown = dropIn.admit(TestExchange.request("GET", "/legacy/page"));
        Admission wrongMethod = dropIn.admit(TestExchange.request("DELETE", "/health"));

        assertThat(unknown).isInstanceOf(Admission.PassedThrough.class);
        assertThat(unknown.headers().size()).isZero();
        assertThat(((Admission.Rejected) wrongMethod).problem().status()).isEqualTo(405);
        assertThat(((Admission.Rejected) Gateway.builder(Router.of(List.of(health)))
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND).build()
                .admit(TestExchange.request("GET", "/legacy/page"))).problem().code())
                .isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void closeDrainsAndClosesWhatItWasHandedOnceInReverseOrderDespiteAFailure() {
        List<String> closed = new java.util.ArrayList<>();
        Gateway gateway = Gateway.builder(Router.of(List.of(health)))
                .closing(() -> closed.add("limit store"))
                .closing(() -> {
                    closed.add("broken pool");
                    throw new IllegalStateException("already gone");
                })
                .closing(() -> closed.add("key store"))
                .build();

        gateway.close();
        gateway.close();

        assertThat(closed).containsExactly("key store", "broken pool", "limit store");
        assertThat(gateway.draining()).isTrue();
    }
}
