package io.gatehouse.limit;

/** What a limit decides when its store cannot be reached. */
public enum FailurePolicy {
    /** Admit the request, unlimited, while the store is down. */
    FAIL_OPEN,
    /** Refuse the request with 503 and {@code Retry-After} while the store is down. */
    FAIL_CLOSED,
    /** Decide with an in-memory store local to this gateway while the shared store is down. */
    LOCAL_FALLBACK
}
