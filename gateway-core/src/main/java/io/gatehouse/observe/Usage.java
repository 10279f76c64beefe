package io.gatehouse.observe;

/**
 * What one principal used.
 *
 * <p>Immutable.
 *
 * @param requests completed requests
 * @param cost     their summed cost, in the units of the routes (tokens, cents, requests)
 */
public record Usage(long requests, long cost) {

    /** Nothing used. */
    public static final Usage NONE = new Usage(0, 0);

    public Usage {
        if (requests < 0 || cost < 0) {
            throw new IllegalArgumentException(
                    "usage must not be negative, was " + requests + " requests, cost " + cost);
        }
    }
}
