package io.loginstate.state.api;

import java.util.Locale;

/** How an expired entry was found and removed. */
public enum CleanupStrategy {
    /** A read or write of the entry found it expired. */
    ON_ACCESS,
    /** The bounded background pass over the expiry index. */
    INCREMENTAL,
    /** The full pass before a snapshot. */
    ON_SNAPSHOT;

    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
