package io.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void escapesControlsSeparatorsQuotesAndBackslashes() {
        assertThat(LogText.escape("a\nb\r\tc\u0000\u007f\u0085\u009f\u2028\u2029\"\\z"))
                .isEqualTo("a\\u000ab\\u000d\\u0009c\\u0000\\u007f\\u0085\\u009f\\u2028\\u2029"
                        + "\\\"\\\\z");
    }

    @Test
    void safeValuesComeBackAsTheSameInstance() {
        String path = "/v1/chat/caf\u00e9 \u4e2d";

        assertThat(LogText.escape(path)).isSameAs(path);
        assertThat(LogText.escape(null)).isEqualTo("null");
    }

    @Property(tries = 2000)
    void noEscapedValueHoldsALineBreakOrControl(@ForAll String value) {
        String escaped = LogText.escape(value);

        assertThat(escaped.chars()).noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f
                || c == 0x2028 || c == 0x2029);
        assertThat(escaped.replace("\\\\", "").replace("\\\"", "")).doesNotContain("\"");
    }
}
