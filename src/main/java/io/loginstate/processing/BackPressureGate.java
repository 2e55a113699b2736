package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Holds a partition's new batches while too much progress is not checkpointed: records applied or
 * queued beyond the last durable checkpoint may not exceed {@code maxUnuploadedRecords} (the
 * object store is down, say). Held batches pass once a checkpoint brings the count back under the
 * bound. Without checkpoints nothing is ever held. Callers synchronize.
 */
final class BackPressureGate {

    private final Checkpointer checkpointer;
    private final long maxUnuploadedRecords;
    private final int maxHeldBatches;
    /** Oldest first. */
    private final ArrayDeque<List<ConsumerRecord<byte[], byte[]>>> held = new ArrayDeque<>();

    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);
    /** First offset the partition saw: the base of the count while no checkpoint exists. */
    private volatile long baseOffset;
    /** One past the last offset handed to the applying chain. */
    private volatile long submittedEnd = -1;

    /** @param checkpointer null when checkpoints are off */
    BackPressureGate(Checkpointer checkpointer, long maxUnuploadedRecords, int maxHeldBatches, long startOffset) {
        this.checkpointer = checkpointer;
        this.maxUnuploadedRecords = maxUnuploadedRecords;
        this.maxHeldBatches = maxHeldBatches;
        this.baseOffset = startOffset;
    }

    void seen(long firstOffset) {
        if (baseOffset < 0) {
            baseOffset = firstOffset;
        }
    }

    void submitted(long endOffset) {
        submittedEnd = Math.max(submittedEnd, endOffset);
    }

    boolean holding() {
        return !held.isEmpty();
    }

    /** Records applied beyond the last durable checkpoint, or up to {@code end}; 0 without checkpoints. */
    long beyondCheckpoint(long end) {
        if (checkpointer == null) {
            return 0;
        }
        long durable = checkpointer.durableOffset();
        long base = durable >= 0 ? durable : baseOffset;
        return base < 0 || end < 0 ? 0 : Math.max(0, end - base);
    }

    /** True while the records applied (up to {@code nextOffset}) or queued exceed the bound. */
    boolean pressured(long nextOffset) {
        return checkpointer != null
                && !checkpointer.fenced()
                && beyondCheckpoint(Math.max(nextOffset, submittedEnd)) > maxUnuploadedRecords;
    }

    long maxUnuploadedRecords() {
        return maxUnuploadedRecords;
    }

    /** Holds a batch; the result completes when the consumer may go on polling. */
    CompletableFuture<Void> hold(List<ConsumerRecord<byte[], byte[]>> records) {
        if (held.isEmpty()) {
            released = new CompletableFuture<>();
        }
        held.addLast(records);
        return held.size() > maxHeldBatches ? released : CompletableFuture.completedFuture(null);
    }

    /** Hands out every held batch, oldest first, and lets the consumer go on. */
    List<List<ConsumerRecord<byte[], byte[]>>> release() {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>(held);
        held.clear();
        released.complete(null);
        return batches;
    }

    int heldBatches() {
        return held.size();
    }
}
