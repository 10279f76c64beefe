package io.gatehouse.limit;

/**
 * A store's decision on all permits of one request, with what a client needs to know about each
 * limit (like Bucket4j's {@code ConsumptionProbe}, for several limits at once).
 *
 * <p>Immutable once returned by a store.
 */
public final class Verdict {

    private final boolean allowed;
    private final int decidingIndex;
    private final long[] remaining;
    private final long[] resetMicros;
    private final long retryAfterMicros;

    /**
     * Creates a verdict.
     *
     * @param allowed          whether every permit was granted (and so consumed)
     * @param decidingIndex    the refusing permit with the longest retry-after, or when allowed
     *                         the one closest to exhaustion (see the package documentation)
     * @param remaining        per permit, units left after this decision (never negative)
     * @param resetMicros      per permit, microseconds until the limit is fully available again
     * @param retryAfterMicros when refused, microseconds until a retry can succeed (more than 0);
     *                         0 when allowed
     */
    public Verdict(boolean allowed, int decidingIndex, long[] remaining, long[] resetMicros,
            long retryAfterMicros) {
        if (remaining.length != resetMicros.length) {
            throw new IllegalArgumentException("remaining and reset arrays differ in length");
        }
        if (!allowed && retryAfterMicros <= 0) {
            throw new IllegalArgumentException("a refusal needs a positive retry-after");
        }
        this.allowed = allowed;
        this.decidingIndex = decidingIndex;
        this.remaining = remaining;
        this.resetMicros = resetMicros;
        this.retryAfterMicros = retryAfterMicros;
    }

    public boolean allowed() {
        return allowed;
    }

    /** Index of the deciding permit: the refusing one, or the one closest to exhaustion. */
    public int decidingIndex() {
        return decidingIndex;
    }

    /** The number of permits decided. */
    public int size() {
        return remaining.length;
    }

    /** Units left in permit {@code index}'s limit after this decision. */
    public long remaining(int index) {
        return remaining[index];
    }

    /** Microseconds until permit {@code index}'s limit is fully available again. */
    public long resetMicros(int index) {
        return resetMicros[index];
    }

    /** When refused, microseconds until a retry can succeed; 0 when allowed. */
    public long retryAfterMicros() {
        return retryAfterMicros;
    }
}
