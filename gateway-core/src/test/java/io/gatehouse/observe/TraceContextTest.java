package io.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {

    private static final String PARENT =
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void validParentIsContinuedWithANewSpanOfTheGateway() {
        TraceContext trace = TraceContext.continueOrStart(PARENT, "congo=t61rcWkgMzE");

        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(trace.parentId()).isEqualTo("00f067aa0ba902b7");
        assertThat(trace.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
        assertThat(trace.sampled()).isTrue();
        assertThat(trace.tracestate()).isEqualTo("congo=t61rcWkgMzE");
        assertThat(trace.traceparent())
                .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + trace.spanId() + "-01");
    }

    @Test
    void unsampledFlagIsKept() {
        TraceContext trace = TraceContext.continueOrStart(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", null);

        assertThat(trace.sampled()).isFalse();
        assertThat(trace.traceparent()).endsWith("-00");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"})
    void malformedParentStartsANewTraceAndDropsItsState(String traceparent) {
        TraceContext trace = TraceContext.continueOrStart(traceparent, "congo=t61rcWkgMzE");

        assertThat(trace.traceId()).matches("[0-9a-f]{32}")
                .isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736")
                .isNotEqualTo("00000000000000000000000000000000");
        assertThat(trace.parentId()).isEmpty();
        assertThat(trace.tracestate()).isEmpty();
        assertThat(trace.sampled()).isTrue();
    }

    @Test
    void tracestateWithControlCharactersIsDropped() {
        TraceContext trace = TraceContext.continueOrStart(PARENT, "a=b\r\nX-Injected: 1");

        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(trace.tracestate()).isEmpty();
    }

    @Test
    void startedTracesAreDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(TraceContext.continueOrStart(null, null).traceId());
        }
        assertThat(ids).hasSize(10_000);
    }
}
