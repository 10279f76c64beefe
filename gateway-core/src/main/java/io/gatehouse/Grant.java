package io.gatehouse;

/**
 * What an admitted request holds until its response is finished: concurrency leases, reserved
 * cost, the start time for its latency.
 *
 * <p>Thread-safe: complete it from whichever thread finishes the response.
 */
public interface Grant {

    /**
     * Releases what the request held, settles its actual cost and records the outcome (metrics,
     * usage, access log). Idempotent: calls after the first do nothing.
     */
    void complete(Outcome outcome);
}
