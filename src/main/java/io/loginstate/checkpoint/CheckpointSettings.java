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
 * @param deploymentId        names this deployment's checkpoints in the store (the first level of their keys,
 *                            and every manifest), so deployments sharing a bucket keep apart
 * @param readLegacyLayout    a partition without checkpoints of its deployment restores from the layout
 *                            before deployment ids ({@code <topic>/<partition>}), if it has one
 */
public record CheckpointSettings(
        int retained,
        Duration orphanMinAge,
        Duration initialRetryBackoff,
        Duration maxRetryBackoff,
        int uploadThreads,
        int downloadThreads,
        String deploymentId,
        boolean readLegacyLayout) {

    public CheckpointSettings {
        if (retained < 1) {
            throw new IllegalArgumentException("login-state.checkpoint.retained must be at least 1, was " + retained);
        }
        if (deploymentId == null || !deploymentId.matches("[A-Za-z0-9._-]{1,200}") || deploymentId.matches("\\.+")) {
            throw new IllegalArgumentException("login-state.checkpoint.deployment-id (default: the consumer group id)"
                    + " must be 1 to 200 letters, digits, '.', '_' or '-' and not only dots, was '" + deploymentId
                    + "'; set it explicitly");
        }
        uploadThreads = Math.max(1, uploadThreads);
        downloadThreads = Math.max(1, downloadThreads);
    }
}
