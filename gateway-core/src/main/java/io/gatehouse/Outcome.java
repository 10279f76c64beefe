package io.gatehouse;

/**
 * How an admitted request ended, reported to {@link Grant#complete(Outcome)}.
 *
 * <p>Immutable.
 *
 * @param status     the HTTP status sent to the client, or 0 if the exchange failed before one was
 * @param actualCost the request's actual cost in the units of its cost-weighted limits (e.g. LLM
 *                   tokens), or {@code -1} when it was as estimated at admission
 * @param bytesOut   response body bytes handed to the container for the client (before any
 *                   compression by the container, without headers), or {@code -1} when unknown
 */
public record Outcome(int status, long actualCost, long bytesOut) {

    /** An outcome whose response size is unknown. */
    public Outcome(int status, long actualCost) {
        this(status, actualCost, -1);
    }

    /** A response with {@code status} whose cost was as estimated. */
    public static Outcome status(int status) {
        return new Outcome(status, -1, -1);
    }
}
