package io.gatehouse.task;

import java.util.Locale;

/** Where an asynchronous task is in its life. Only the three terminal states carry a result. */
public enum TaskState {
    /** Accepted; the request has not been sent upstream yet. */
    PENDING,
    /** Sent upstream; waiting for the whole response. */
    RUNNING,
    /** The upstream answered (with any status); the result holds its response. */
    COMPLETED,
    /** The gateway could not get an answer (unreachable, timeout, result too large). */
    FAILED,
    /** Cancelled by its owner or an administrator before it ended. */
    CANCELLED;

    /** Whether the task has ended and will not change any more. */
    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** The name used in status documents and stores, e.g. {@code running}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The state named {@code wireName}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static TaskState ofWireName(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
