package io.loginstate.state.ttl;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;

/**
 * Whether a stamp is expired now under a state's TTL: the one decision the TTL decorators, cleanup
 * and savepoint export and import all make. The horizon is the clock of the state's time
 * characteristic (for event time the watermark, or the wall clock if the backstop is on and ahead);
 * a stamp at or before horizon minus TTL is expired. Stamp-less values of a state count from when
 * TTL was switched on for it ({@code fallbackStamp}).
 */
public final class ExpiryRule {

    private final TtlConfig config;
    private final EventTimeClock time;
    private final long fallbackStamp;

    public ExpiryRule(TtlConfig config, EventTimeClock time, long fallbackStamp) {
        this.config = config;
        this.time = time;
        this.fallbackStamp = fallbackStamp;
    }

    /** Entries with a stamp at or before this are expired ({@link Long#MIN_VALUE}: none is). */
    public long threshold() {
        return threshold(time, config.timeCharacteristic(), config.ttlMillis());
    }

    static long threshold(EventTimeClock time, TimeCharacteristic characteristic, long ttl) {
        long horizon = time.horizon(characteristic);
        if (horizon == EventTimeClock.NO_TIME || horizon < Long.MIN_VALUE + ttl + 1) {
            return Long.MIN_VALUE;
        }
        return horizon - ttl;
    }

    public boolean expired(long stamp) {
        return stamp <= threshold();
    }

    /** The stamp a stored value without one is read with. */
    public long fallbackStamp() {
        return fallbackStamp;
    }
}
