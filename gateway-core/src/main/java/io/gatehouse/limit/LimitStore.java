package io.gatehouse.limit;

import java.util.List;

/**
 * Where limit state lives: in this JVM or shared (Redis). Core owns the semantics (see
 * {@link LimitAlgorithm}); a store applies them atomically and passes the contract test kit in
 * {@code gateway-core}'s test-jar.
 *
 * <p>Implementations must be thread-safe.
 */
public interface LimitStore extends AutoCloseable {

    /**
     * Checks and consumes every permit of one request atomically: if any permit is refused, none
     * is consumed. Never waits for capacity. The decision follows the math of the package
     * documentation exactly; the verdict's arrays are indexed like {@code permits}.
     *
     * @param permits the limits of one request, at least one, no two naming the same state
     *     (same rule and key)
     * @param leaseId identifies this request's concurrency leases, for {@link #release};
     *     acquiring a lease id that is already held renews it instead of taking another, so
     *     callers must make lease ids unique per request
     * @return the decision; when allowed, the caller must later {@link #release} concurrency
     *     permits and may {@link #settle} costs
     * @throws IllegalArgumentException if {@code permits} is empty or two permits name one state
     * @throws LimitStoreException when the store cannot be reached or answers nonsense
     */
    Verdict tryAcquire(List<Permit> permits, String leaseId);

    /**
     * Decides like {@link #tryAcquire} but reports only whether the request was admitted. Stores
     * may implement it with less allocation; it is the measurable core of a decision.
     */
    default boolean tryConsume(List<Permit> permits, String leaseId) {
        return tryAcquire(permits, leaseId).allowed();
    }

    /**
     * Corrects the cost charged for an admitted permit once the actual cost is known: refunds the
     * difference, or charges it (possibly driving the balance below zero, so later requests wait).
     */
    void settle(Permit permit, long actualCost);

    /** Releases the concurrency lease {@code leaseId} held for {@code permit}; idempotent. */
    void release(Permit permit, String leaseId);

    /**
     * Reads what each permit's limit has left now, without consuming anything or creating
     * state: a key never decided reads as a fresh limit (full, reset 0). The numbers are those a
     * decision at this instant would report before taking its cost; each permit's cost is
     * ignored. Reading may drop entries that have expired anyway (old log entries, leases past
     * their expiry), which changes no later decision.
     *
     * <p>Stores that cannot read without deciding keep this default, which throws.
     *
     * @param permits the limits to read, at least one; their keys may differ
     * @return one status per permit, indexed like {@code permits}
     * @throws IllegalArgumentException if {@code permits} is empty
     * @throws LimitStoreException when the store cannot be reached or answers nonsense
     * @throws UnsupportedOperationException when the store cannot read limits
     */
    default List<LimitStatus> inspect(List<Permit> permits) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot read limits without deciding");
    }

    /** Frees the store's resources. */
    @Override
    default void close() {
    }
}
