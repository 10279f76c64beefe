package io.gatehouse.observe;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context (version 00) as the gateway continues it: the caller's trace id, or a new
 * one when the request carries no valid {@code traceparent}, and a fresh span id for the
 * gateway's own hop. {@link #traceparent()} is what goes on to the upstream or the local app as
 * their parent.
 *
 * <p>Immutable.
 *
 * @param traceId    32 lower-case hex digits, not all zero
 * @param spanId     the gateway's span: 16 lower-case hex digits, not all zero
 * @param parentId   the caller's span id, or the empty string when the trace started here
 * @param sampled    the caller's sampled flag (a new trace is sampled)
 * @param tracestate the caller's {@code tracestate}, passed on unchanged, or the empty string
 */
public record TraceContext(String traceId, String spanId, String parentId, boolean sampled,
        String tracestate) {

    /** The request header carrying the context. */
    public static final String TRACEPARENT = "traceparent";
    /** The request header carrying vendor state. */
    public static final String TRACESTATE = "tracestate";

    /** The longest {@code tracestate} passed on; the specification's 32 members fit in it. */
    private static final int MAX_TRACESTATE = 512;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public TraceContext {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        Objects.requireNonNull(parentId, "parentId");
        Objects.requireNonNull(tracestate, "tracestate");
    }

    /**
     * Continues the trace of {@code traceparent} (nullable), or starts one when it is absent or
     * malformed; {@code tracestate} is kept only with a valid parent.
     */
    public static TraceContext continueOrStart(String traceparent, String tracestate) {
        if (traceparent != null && traceparent.length() == 55 && valid(traceparent)) {
            String state = tracestate == null || tracestate.length() > MAX_TRACESTATE
                    || !printable(tracestate) ? "" : tracestate;
            int flags = Character.digit(traceparent.charAt(54), 16);
            return new TraceContext(traceparent.substring(3, 35), randomHex(16),
                    traceparent.substring(36, 52), (flags & 1) == 1, state);
        }
        return new TraceContext(randomHex(32), randomHex(16), "", true, "");
    }

    /** The {@code traceparent} naming the gateway's span as the parent of what follows. */
    public String traceparent() {
        return "00-" + traceId + '-' + spanId + (sampled ? "-01" : "-00");
    }

    /** Version 00: {@code 00-<32 hex>-<16 hex>-<2 hex>}, lower case, ids not all zero. */
    private static boolean valid(String value) {
        if (value.charAt(0) != '0' || value.charAt(1) != '0' || value.charAt(2) != '-'
                || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return false;
        }
        return hex(value, 3, 35) && hex(value, 36, 52) && hex(value, 53, 55)
                && !zero(value, 3, 35) && !zero(value, 36, 52);
    }

    private static boolean hex(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (value.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** Visible ASCII and spaces only: nothing that could break a header or a log line. */
    private static boolean printable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Random lower-case hex, never all zero. */
    private static String randomHex(int digits) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[digits];
        long bits = 0;
        boolean nonZero = false;
        for (int i = 0; i < digits; i++) {
            if (i % 16 == 0) {
                bits = random.nextLong();
            }
            int nibble = (int) (bits & 0xf);
            bits >>>= 4;
            nonZero |= nibble != 0;
            chars[i] = HEX[nibble];
        }
        if (!nonZero) {
            chars[digits - 1] = '1';
        }
        return new String(chars);
    }
}
