package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.JsonBodyValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An upstream route streams a body of unknown length to its service, which holds it to the
 * route's limit as it passes; admission neither reads nor waits for it, unless validators need
 * it.
 */
class GatewayUpstreamBodyTest {

    private final Route upstream = Route.builder("upstream", "/up").publicAccess()
            .maxBodyBytes(64).target(Target.upstream("svc")).build();
    private final Route validatedUpstream = Route.builder("validated", "/validated")
            .publicAccess().maxBodyBytes(64).validator(JsonBodyValidator.builder().build())
            .target(Target.upstream("svc")).build();
    private final Gateway gateway =
            Gateway.builder(Router.of(List.of(upstream, validatedUpstream))).build();

    @Test
    void aChunkedBodyOfAnUpstreamRouteIsAdmittedUnread() {
        TestExchange pending = TestExchange.request("POST", "/up").body(new byte[100], false)
                .bodyPending();
        assertThat(gateway.admit(pending)).isInstanceOf(Admission.Admitted.class);
        assertThat(pending.bodyReads()).isZero();

        TestExchange buffered = TestExchange.request("POST", "/up").body(new byte[100], false);
        assertThat(gateway.admit(buffered)).isInstanceOf(Admission.Admitted.class);
        assertThat(buffered.bodyReads()).isZero();
    }

    @Test
    void validatorsStillGetTheBodyOfAnUpstreamRoute() {
        TestExchange pending = TestExchange.request("POST", "/validated")
                .body(new byte[10], false).bodyPending();
        assertThat(gateway.admit(pending)).isInstanceOf(Admission.BodyNeeded.class);
    }

    @Test
    void aDeclaredOversizedBodyIsStillRefusedUnread() {
        TestExchange exchange = TestExchange.request("POST", "/up").body(new byte[100], true);
        Admission admission = gateway.admit(exchange);
        assertThat(((Admission.Rejected) admission).problem().code())
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(exchange.bodyReads()).isZero();
    }
}
