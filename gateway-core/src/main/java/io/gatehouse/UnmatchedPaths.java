package io.gatehouse;

/**
 * What the gateway does with a request whose path no route matches.
 *
 * <p>Immutable.
 */
public enum UnmatchedPaths {

    /** Refuse it with 404 {@link ErrorCode#NOT_FOUND}: the gateway owns every path. */
    NOT_FOUND,

    /**
     * Leave it alone: {@link Gateway#admit} answers {@link Admission.PassedThrough} and the
     * adapter hands the request to the application unchanged, without authentication, limits or
     * logging. For dropping the gateway into an existing application that serves more paths
     * than the gateway lists. A path that matches a route but not its method is still 405.
     */
    PASS_THROUGH
}
