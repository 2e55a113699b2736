package io.loginstate.state.api;

import java.time.Duration;
import java.time.InstantSource;

/**
 * The times TTL is measured in, for one partition. Processing time is the injected wall clock.
 * Event time is the watermark: the highest event timestamp applied minus the allowed lateness. It
 * only moves with the input, so replaying the same input gives the same expiries. The wall-clock
 * backstop also expires event-time entries whose TTL has passed by the wall clock, so an idle
 * partition or a replay of old data never keeps (or brings back) data past its TTL.
 *
 * <p>Event time is bounded: no timestamp more than {@code maxFutureSkew} ahead of the wall clock
 * is admitted, and the highest event timestamp never passes wall clock + skew, so one record
 * with a far-future time cannot move the watermark past everybody's TTL.
 */
public final class EventTimeClock {

    public static final long NO_TIME = Long.MIN_VALUE;
    /** No bound on event time (for tests of event-time semantics with a wall clock far behind). */
    public static final Duration UNBOUNDED_SKEW = Duration.ofMillis(Long.MAX_VALUE);

    private final InstantSource wallClock;
    private final long allowedLatenessMillis;
    private final boolean wallClockBackstop;
    private final long maxFutureSkewMillis;
    private volatile long maxEventTimestamp = NO_TIME;
    private long currentEventTimestamp = NO_TIME;

    public EventTimeClock(
            InstantSource wallClock, Duration allowedLateness, boolean wallClockBackstop, Duration maxFutureSkew) {
        this.wallClock = wallClock;
        this.allowedLatenessMillis = allowedLateness.toMillis();
        this.wallClockBackstop = wallClockBackstop;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    }

    /**
     * The latest event timestamp admitted now for a record whose own (Kafka) timestamp is
     * {@code recordTimestamp} (negative: none): skew past the wall clock, or past the record's
     * timestamp if that is earlier. The record's timestamp makes the decision repeat on a replay,
     * whatever the wall clock says by then.
     */
    public long futureLimit(long recordTimestamp) {
        long wall = wallClock.millis();
        long reference = recordTimestamp >= 0 && recordTimestamp < wall ? recordTimestamp : wall;
        return saturatedAdd(reference, maxFutureSkewMillis);
    }

    /**
     * Called before a record is applied: its time stamps event-time writes and moves the
     * watermark. A time past wall clock + skew (which admission refuses) is held at that bound.
     */
    public void advance(long eventTimestamp) {
        long bounded = Math.min(eventTimestamp, futureLimit(-1));
        currentEventTimestamp = bounded;
        if (bounded > maxEventTimestamp) {
            maxEventTimestamp = bounded;
        }
    }

    /**
     * Restores the highest event timestamp stored with the state, held at wall clock + skew.
     * Returns true if the stored one lay beyond that bound (written before event time was
     * bounded, or with a larger skew): the state may hold entries stamped in the future.
     */
    public boolean restore(long storedMaxEventTimestamp) {
        long limit = futureLimit(-1);
        boolean beyond = storedMaxEventTimestamp != NO_TIME && storedMaxEventTimestamp > limit;
        maxEventTimestamp = beyond ? limit : storedMaxEventTimestamp;
        currentEventTimestamp = NO_TIME;
        return beyond;
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

    /**
     * True if an entry stamped with {@code eventTimestamp} would be expired as soon as it is
     * written under {@code config}: a late or replayed event already past its TTL. Always false
     * with processing time, where a write is stamped now.
     */
    public boolean expiredOnArrival(long eventTimestamp, TtlConfig config) {
        if (!config.enabled() || config.timeCharacteristic() == TimeCharacteristic.PROCESSING_TIME) {
            return false;
        }
        long horizon = horizon(TimeCharacteristic.EVENT_TIME);
        return horizon != NO_TIME && eventTimestamp <= horizon - config.ttlMillis();
    }

    /** The stamp a write or refresh gets now. */
    public long stamp(TimeCharacteristic characteristic) {
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
    public long horizon(TimeCharacteristic characteristic) {
        if (characteristic == TimeCharacteristic.PROCESSING_TIME) {
            return wallClock.millis();
        }
        long watermark = watermark();
        return wallClockBackstop ? Math.max(watermark, wallClock.millis()) : watermark;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
    }
}
