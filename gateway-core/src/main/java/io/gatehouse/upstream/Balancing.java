package io.gatehouse.upstream;

/** How a {@link Service} picks one of its healthy endpoints for each attempt. */
public enum Balancing {
    /** Each endpoint in turn. */
    ROUND_ROBIN,
    /** Smooth weighted round robin: each endpoint in proportion to its weight. */
    WEIGHTED,
    /**
     * Power of two choices: of two endpoints picked at random, the one with fewer requests in
     * flight (the default: it adapts to slow endpoints without global coordination).
     */
    LEAST_OUTSTANDING
}
