package io.gatehouse.observe;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one principal used in each current {@link UsageWindow}, read at one instant.
 *
 * <p>Immutable.
 *
 * @param principalId the principal
 * @param tier        the tier of its last recorded request; null when none was recorded
 * @param at          when the windows were read
 * @param windows     usage per window, every window present
 */
public record WindowedUsage(String principalId, String tier, Instant at,
        Map<UsageWindow, Usage> windows) {

    public WindowedUsage {
        Objects.requireNonNull(principalId, "principalId");
        Objects.requireNonNull(at, "at");
        EnumMap<UsageWindow, Usage> copy = new EnumMap<>(UsageWindow.class);
        for (UsageWindow window : UsageWindow.values()) {
            copy.put(window, Objects.requireNonNull(windows.get(window), window.label()));
        }
        windows = java.util.Collections.unmodifiableMap(copy);
    }

    /** Usage in {@code window}. */
    public Usage usage(UsageWindow window) {
        return windows.get(window);
    }

    /** Nothing used in any window, e.g. for a principal never seen. */
    public static WindowedUsage none(String principalId, Instant at) {
        EnumMap<UsageWindow, Usage> windows = new EnumMap<>(UsageWindow.class);
        for (UsageWindow window : UsageWindow.values()) {
            windows.put(window, Usage.NONE);
        }
        return new WindowedUsage(principalId, null, at, windows);
    }
}
