package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.state.api.KeyedStateBackend;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Decides when a partition is checkpointed and starts it, on the partition's chain. A checkpoint is
 * skipped while one is in flight, once the partition is fenced, and once every retained
 * checkpoint shows the current state: an unchanged partition is still checkpointed until then, so
 * files holding purged (expired) data stop being referenced within retained × interval even when
 * the partition is idle. Only published checkpoints count: one that failed or was fenced shows
 * nothing in the store.
 */
final class CheckpointTrigger {

    private static final Logger LOG = Logger.getLogger(CheckpointTrigger.class);

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private final Checkpointer checkpointer;
    /** Counts commits that changed state. */
    private volatile long stateVersion;

    /** Guarded by this: set on the upload thread once a checkpoint is published. */
    private long checkpointedVersion = -1;
    /** Checkpoints published of {@code checkpointedVersion}; guarded by this. */
    private int checkpointsAtVersion;
    /** Wall time (ms) each of the newest {@code retained} checkpoints published here was started, newest last; guarded by this. */
    private final ArrayDeque<Long> retainedStarts = new ArrayDeque<>();

    CheckpointTrigger(TopicPartition partition, KeyedStateBackend state, Checkpointer checkpointer) {
        this.partition = partition;
        this.state = state;
        this.checkpointer = checkpointer;
    }

    /** After a commit that changed state. */
    void stateChanged() {
        stateVersion++;
    }

    /**
     * Starts a checkpoint unless it is not needed. Only the drain of expired entries runs here
     * (the pause); the snapshot is taken on the upload thread while batches go on, except for the
     * last one before closing ({@code inline}). Returns the upload, or null if none was started.
     */
    CompletableFuture<Boolean> checkpoint(boolean inline, Checkpointer.SnapshotSource concurrentSource) {
        long version = stateVersion;
        if (allPublished(version) || checkpointer.busy() || checkpointer.fenced()) {
            return null;
        }
        long startedAt = state.time().wallClockMillis();
        try {
            CompletableFuture<Boolean> upload;
            if (inline) {
                upload = checkpointer.checkpointNow(state);
            } else {
                long started = System.nanoTime();
                state.drainExpired();
                checkpointer.recordPause(System.nanoTime() - started);
                upload = checkpointer.start(concurrentSource);
            }
            if (upload != null) {
                upload.thenAccept(published -> {
                    if (published) {
                        published(version, startedAt);
                    }
                });
            }
            return upload;
        } catch (RuntimeException e) {
            LOG.errorf(
                    e,
                    "Partition %s: taking a checkpoint failed; processing goes on and the next interval tries again",
                    partition);
            return null;
        }
    }

    private synchronized boolean allPublished(long version) {
        return version == checkpointedVersion && checkpointsAtVersion >= checkpointer.retained();
    }

    /**
     * Wall time (ms) the oldest of the retained checkpoints was started, all published by this
     * partition's processor; {@code Long.MIN_VALUE} until it published {@code retained} of them (the
     * store may still hold a previous owner's). A checkpoint's snapshot is taken after its start,
     * so data purged before this time is in no retained checkpoint.
     */
    synchronized long oldestRetainedStart() {
        if (retainedStarts.size() < checkpointer.retained()) {
            return Long.MIN_VALUE;
        }
        return retainedStarts.stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
    }

    private synchronized void published(long version, long startedAt) {
        retainedStarts.addLast(startedAt);
        while (retainedStarts.size() > Math.max(1, checkpointer.retained())) {
            retainedStarts.removeFirst();
        }
        if (version == checkpointedVersion) {
            checkpointsAtVersion++;
        } else {
            checkpointedVersion = version;
            checkpointsAtVersion = 1;
        }
    }

    /**
     * The last checkpoint before the partition closes, on its chain: waits (until {@code deadline},
     * {@link System#nanoTime}) for one in flight, then snapshots inline. Null if none was started.
     */
    CompletableFuture<Boolean> finalCheckpoint(long deadline) {
        if (checkpointer.busy()) {
            checkpointer.awaitUpload(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return checkpoint(true, null);
    }

    /** Waits until {@code deadline} for the final checkpoint's upload and says how it ended. */
    void awaitFinal(CompletableFuture<Boolean> upload, long deadline) {
        try {
            if (upload.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.infof(
                        "Partition %s: final checkpoint published at offset %d",
                        partition, checkpointer.durableOffset());
            }
        } catch (TimeoutException e) {
            LOG.warnf(
                    "Partition %s: final checkpoint not uploaded within the close timeout; "
                            + "the next owner replays from the previous one",
                    partition);
        } catch (ExecutionException e) {
            LOG.warnf("Partition %s: final checkpoint failed: %s", partition, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
