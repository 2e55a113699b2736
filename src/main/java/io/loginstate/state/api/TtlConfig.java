package io.loginstate.state.api;

import java.time.Duration;
import java.util.Objects;

/** Immutable TTL settings of one state. The duration is never stored with the data, so it can change freely. */
public record TtlConfig(
        Duration ttl, UpdateType updateType, StateVisibility visibility, TimeCharacteristic timeCharacteristic) {

    public TtlConfig {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(updateType, "updateType");
        Objects.requireNonNull(visibility, "visibility");
        Objects.requireNonNull(timeCharacteristic, "timeCharacteristic");
        if (updateType != UpdateType.DISABLED && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("TTL must be positive: " + ttl);
        }
    }

    /** Flink's defaults: refreshed on create and write, expired entries never returned, processing time. */
    public static TtlConfig of(Duration ttl) {
        return new TtlConfig(
                ttl,
                UpdateType.ON_CREATE_AND_WRITE,
                StateVisibility.NEVER_RETURN_EXPIRED,
                TimeCharacteristic.PROCESSING_TIME);
    }

    public TtlConfig withUpdateType(UpdateType type) {
        return new TtlConfig(ttl, type, visibility, timeCharacteristic);
    }

    public TtlConfig withVisibility(StateVisibility value) {
        return new TtlConfig(ttl, updateType, value, timeCharacteristic);
    }

    public TtlConfig withTimeCharacteristic(TimeCharacteristic value) {
        return new TtlConfig(ttl, updateType, visibility, value);
    }

    public boolean enabled() {
        return updateType != UpdateType.DISABLED;
    }

    public long ttlMillis() {
        return ttl.toMillis();
    }
}
