package io.loginstate.checkpoint;

import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.StateSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Checkpoints one partition's state: takes a local snapshot at a batch boundary, uploads it and
 * publishes it, one checkpoint at a time. The futures yield true once the checkpoint is
 * published, false if it was fenced or closed first.
 */
public interface Checkpointer extends AutoCloseable {

    /** Takes a snapshot of the partition's state into a directory, from the upload thread. */
    @FunctionalInterface
    interface SnapshotSource {
        StateSnapshot snapshot(Path directory);
    }

    /** The owner epoch and claim this checkpointer publishes under. */
    record Owner(long epoch, long claim) {}

    /** Who publishes this partition's checkpoints from here; (0, 0) where nothing fences. */
    default Owner owner() {
        return new Owner(0, 0);
    }

    /**
     * Reads the partition's fence and throws {@link FencedException} if a newer owner claimed it
     * since; a checkpointer that does not fence checks nothing.
     */
    default void checkStillOwner() {}

    /** Checkpoints kept in the store for this partition. */
    int retained();

    /** Next offset of the newest published checkpoint, or -1 if there is none. */
    long durableOffset();

    /** Milliseconds since the last successful checkpoint, or empty if none succeeded since assignment. */
    OptionalLong lastSuccessAgeMillis();

    /** True while a checkpoint is being uploaded or waits for a retry. */
    boolean busy();

    /** True once a newer owner has claimed the partition: this instance publishes nothing more. */
    boolean fenced();

    /**
     * Starts a checkpoint whose snapshot is taken on the upload thread while the partition goes on
     * applying batches. Returns null if one is in flight or the partition is fenced or closed.
     */
    CompletableFuture<Boolean> start(SnapshotSource source);

    /**
     * Snapshots {@code state} on the calling thread (the partition's, between batches: the last
     * checkpoint before closing), then uploads it in the background. Returns null if a checkpoint
     * is in flight, the partition is fenced or closed, or nothing was ever applied.
     */
    CompletableFuture<Boolean> checkpointNow(KeyedStateBackend state);

    /** Records the time the partition's thread spent on a checkpoint (the pause of processing). */
    void recordPause(long nanos);

    /** Waits for the checkpoint in flight; false if it did not finish within {@code timeout}. */
    boolean awaitUpload(Duration timeout);

    /** Stops retries; a checkpoint in flight is dropped at its next step. Idempotent. */
    @Override
    void close();
}
