package io.loginstate.support;

import java.time.Duration;

/** Exponential backoff: the wait doubles from {@code initial} up to {@code max}. One per retry loop. */
public final class Backoff {

    private final long maxMillis;
    private long nextMillis;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("Backoff needs 0 < initial <= max: " + initial + ", " + max);
        }
        this.nextMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
    }

    /** The wait before the next attempt; each call doubles the one after, up to the maximum. */
    public long nextMillis() {
        long current = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return current;
    }
}
