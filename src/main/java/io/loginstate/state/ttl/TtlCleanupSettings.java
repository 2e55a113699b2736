package io.loginstate.state.ttl;

import java.time.Duration;

/**
 * Cleanup settings shared by the TTL'd states of a partition.
 *
 * @param cleanupBatchSize   most index entries the incremental cleanup visits per run
 * @param maxDeletionDelay   bound from an entry's expiry to its bytes leaving every local file
 */
public record TtlCleanupSettings(int cleanupBatchSize, Duration maxDeletionDelay) {

    public static final TtlCleanupSettings DEFAULTS = new TtlCleanupSettings(1000, Duration.ofHours(1));

    public TtlCleanupSettings {
        if (cleanupBatchSize < 1) {
            throw new IllegalArgumentException("cleanupBatchSize must be positive: " + cleanupBatchSize);
        }
        if (maxDeletionDelay.isNegative() || maxDeletionDelay.isZero()) {
            throw new IllegalArgumentException("maxDeletionDelay must be positive: " + maxDeletionDelay);
        }
    }
}
