package io.loginstate.processing;

import java.time.Duration;

/**
 * When a partition commits what it applied: at once when no batch waits behind (so a partition
 * that keeps up commits every batch and queries see it at once), otherwise once enough records or
 * time have gone by. Fewer commits write a key that changes often once instead of once per batch;
 * a crash replays at most what one commit would have covered.
 */
final class CommitPolicy {

    private final long maxRecords;
    private final long maxIntervalNanos;
    private long recordsSinceCommit;
    private long lastCommitNanos = System.nanoTime();

    CommitPolicy(long maxRecords, Duration maxInterval) {
        this.maxRecords = Math.max(1, maxRecords);
        this.maxIntervalNanos = maxInterval.toNanos();
    }

    void applied(int records) {
        recordsSinceCommit += records;
    }

    /** @param batchesWaiting batches queued behind the one just applied */
    boolean due(int batchesWaiting) {
        return batchesWaiting == 0
                || recordsSinceCommit >= maxRecords
                || System.nanoTime() - lastCommitNanos >= maxIntervalNanos;
    }

    void committed() {
        recordsSinceCommit = 0;
        lastCommitNanos = System.nanoTime();
    }
}
