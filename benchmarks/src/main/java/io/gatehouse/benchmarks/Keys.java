package io.gatehouse.benchmarks;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Key sets and a per-thread cursor over them, shared by the benchmarks (public for JMH). */
public final class Keys {

    private Keys() {
    }

    /** {@code count} distinct keys shaped like principal ids. */
    static String[] distinct(int count) {
        String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = "tenant-" + Integer.toString(i * 7919 + 13, 36);
        }
        return keys;
    }

    /**
     * A per-thread pseudo-random walk over key indexes (xorshift), cheap enough not to dominate
     * what it drives and free of allocation. Not thread-safe; JMH gives each thread its own.
     */
    @State(Scope.Thread)
    public static class Cursor {
        private int state = (int) Thread.currentThread().getId() * 0x9E3779B9 | 1;

        int next(int bound) {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            return (state & Integer.MAX_VALUE) % bound;
        }
    }
}
