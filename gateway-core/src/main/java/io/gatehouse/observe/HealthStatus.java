package io.gatehouse.observe;

import java.util.Locale;

/** The state of one component, or of the whole gateway, in a health report. Immutable. */
public enum HealthStatus {
    /** Working as configured. */
    UP,
    /** Working with reduced guarantees, e.g. limits decided by their failure policy. */
    DEGRADED,
    /** Not usable. */
    DOWN;

    /** The lower-case name used in JSON: {@code up}, {@code degraded}, {@code down}. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
