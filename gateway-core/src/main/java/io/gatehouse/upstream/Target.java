package io.gatehouse.upstream;

import java.util.Objects;
import java.util.Optional;

/**
 * Where an admitted request goes: on to the local application (the servlet chain behind the
 * filter), or to an upstream {@link Service} by name, with its path rewritten.
 *
 * <p>Immutable.
 */
public sealed interface Target {

    /** The local application; the default target of every route. */
    static Target local() {
        return Local.INSTANCE;
    }

    /** The service named {@code serviceName}, path forwarded as routed. */
    static Upstream upstream(String serviceName) {
        return new Upstream(serviceName, PathRewrite.none(), null);
    }

    /** The service named {@code serviceName}, path rewritten by {@code rewrite}. */
    static Upstream upstream(String serviceName, PathRewrite rewrite) {
        return new Upstream(serviceName, rewrite, null);
    }

    /**
     * The status resource of asynchronous tasks ({@link io.gatehouse.task.AsyncTasks}): the
     * gateway answers {@code GET} (the task named by the last path segment) and {@code DELETE}
     * (cancel it) itself; nothing is forwarded.
     */
    static Target taskStatus() {
        return TaskStatus.INSTANCE;
    }

    /** Answer from the task store; see {@link #taskStatus()}. */
    final class TaskStatus implements Target {
        private static final TaskStatus INSTANCE = new TaskStatus();

        private TaskStatus() {
        }

        @Override
        public String toString() {
            return "task status";
        }
    }

    /** Continue the local application's chain. */
    final class Local implements Target {
        private static final Local INSTANCE = new Local();

        private Local() {
        }

        @Override
        public String toString() {
            return "local";
        }
    }

    /**
     * Forward to the service {@code service}.
     *
     * @param service  the service's name, defined once (YAML {@code services:} or
     *                 {@link Service#builder})
     * @param rewrite  how the routed path becomes the upstream path
     * @param timeouts the route's own timeouts, replacing the service's, or {@code null}
     */
    record Upstream(String service, PathRewrite rewrite, Timeouts timeouts) implements Target {
        public Upstream {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(rewrite, "rewrite");
            if (service.isBlank()) {
                throw new IllegalArgumentException("upstream service name must not be blank");
            }
        }

        /** This target with the route's own timeouts. */
        public Upstream withTimeouts(Timeouts routeTimeouts) {
            return new Upstream(service, rewrite, Objects.requireNonNull(routeTimeouts));
        }

        /** The route's own timeouts, if it sets any. */
        public Optional<Timeouts> routeTimeouts() {
            return Optional.ofNullable(timeouts);
        }
    }
}
