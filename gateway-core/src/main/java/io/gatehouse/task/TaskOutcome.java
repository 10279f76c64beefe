package io.gatehouse.task;

import java.util.Objects;

/**
 * How a background call ended.
 *
 * <p>Immutable.
 *
 * @param result     the response (the upstream's, or the gateway's problem when it failed)
 * @param failed     whether the gateway got no usable answer (unreachable, timeout, too large)
 * @param actualCost the call's actual cost as the service's usage reader reported it, or
 *                   {@code -1} for the route's estimate
 */
public record TaskOutcome(TaskResult result, boolean failed, long actualCost) {

    public TaskOutcome {
        Objects.requireNonNull(result, "result");
    }
}
