package io.loginstate.state.ttl;

import java.time.Duration;
import java.time.InstantSource;

/**
 * The times TTL is measured in, for one partition. Processing time is the injected wall clock.
 * Event time is the watermark: the highest event timestamp applied minus the allowed lateness. It
 * only moves with the input, so replaying the same input gives the same expiries. The wall-clock
 * backstop also expires event-time entries whose TTL has passed by the wall clock, so an idle
 * partition or a replay of old data never keeps (or brings back) data past its TTL.
 */
public final class TtlTimeService {

    public static final long NO_TIME = Long.MIN_VALUE;

    private final InstantSource wallClock;
    private final long allowedLatenessMillis;
    private final boolean wallClockBackstop;
    private volatile long maxEventTimestamp = NO_TIME;
    private long currentEventTimestamp = NO_TIME;

    public TtlTimeService(InstantSource wallClock, Duration allowedLateness, boolean wallClockBackstop) {
        this.wallClock = wallClock;
        this.allowedLatenessMillis = allowedLateness.toMillis();
        this.wallClockBackstop = wallClockBackstop;
    }

    /** Called before a record is applied: its time stamps event-time writes and moves the watermark. */
    public void advance(long eventTimestamp) {
        currentEventTimestamp = eventTimestamp;
        if (eventTimestamp > maxEventTimestamp) {
            maxEventTimestamp = eventTimestamp;
        }
    }

    /** Restores the highest event timestamp stored with the state. */
    public void restore(long storedMaxEventTimestamp) {
        maxEventTimestamp = storedMaxEventTimestamp;
        currentEventTimestamp = NO_TIME;
    }

    public long maxEventTimestamp() {
        return maxEventTimestamp;
    }

    public long watermark() {
        return watermarkOf(maxEventTimestamp);
    }

    /** The watermark that follows from a maximum event timestamp. */
    public long watermarkOf(long maxEventTimestamp) {
        return maxEventTimestamp == NO_TIME ? NO_TIME : maxEventTimestamp - allowedLatenessMillis;
    }

    public long wallClockMillis() {
        return wallClock.millis();
    }

    public boolean wallClockBackstop() {
        return wallClockBackstop;
    }

    /** The stamp a write or refresh gets now. */
    long stamp(TimeCharacteristic characteristic) {
        if (characteristic == TimeCharacteristic.PROCESSING_TIME) {
            return wallClock.millis();
        }
        if (currentEventTimestamp != NO_TIME) {
            return currentEventTimestamp;
        }
        long watermark = watermark();
        return watermark != NO_TIME ? watermark : wallClock.millis();
    }

    /** Entries whose stamp plus TTL is at or before this time are expired. */
    long horizon(TimeCharacteristic characteristic) {
        if (characteristic == TimeCharacteristic.PROCESSING_TIME) {
            return wallClock.millis();
        }
        long watermark = watermark();
        return wallClockBackstop ? Math.max(watermark, wallClock.millis()) : watermark;
    }
}
