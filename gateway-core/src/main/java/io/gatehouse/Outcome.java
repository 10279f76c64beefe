package io.gatehouse;

/**
 * How an admitted request ended, reported to {@link Grant#complete(Outcome)}.
 *
 * <p>Immutable.
 *
 * @param status     the HTTP status sent to the client, or 0 if the exchange failed before one was
 * @param actualCost the request's actual cost in the units of its cost-weighted limits (e.g. LLM
 *                   tokens), or {@code -1} when it was as estimated at admission
 */
public record Outcome(int status, long actualCost) {

    /** A response with {@code status} whose cost was as estimated. */
    public static Outcome status(int status) {
        return new Outcome(status, -1);
    }
}
