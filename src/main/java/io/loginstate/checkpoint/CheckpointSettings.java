package io.loginstate.checkpoint;

import java.time.Duration;

/**
 * How partitions are checkpointed.
 *
 * @param retained            checkpoints kept per partition
 * @param orphanMinAge        age after which an object no checkpoint references is deleted
 * @param initialRetryBackoff first wait after a failed upload; it doubles up to {@code maxRetryBackoff}
 * @param uploadThreads       checkpoints uploaded in parallel (one per partition at a time)
 * @param downloadThreads     files downloaded in parallel by a restore
 */
public record CheckpointSettings(
        int retained,
        Duration orphanMinAge,
        Duration initialRetryBackoff,
        Duration maxRetryBackoff,
        int uploadThreads,
        int downloadThreads) {

    public CheckpointSettings {
        if (retained < 1) {
            throw new IllegalArgumentException("login-state.checkpoint.retained must be at least 1, was " + retained);
        }
        uploadThreads = Math.max(1, uploadThreads);
        downloadThreads = Math.max(1, downloadThreads);
    }
}
