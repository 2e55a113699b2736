package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.support.Futures;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * One partition's processing: its batches, checkpoints, maintenance and close run one after the
 * other on its {@link PartitionChain}; {@link BatchApplier} applies and commits each batch,
 * {@link BackPressureGate} holds batches while checkpoints lag, {@link CheckpointTrigger} decides
 * when to checkpoint. Its {@link PartitionLifecycle} says what it still does.
 */
public final class PartitionProcessor {

    private static final Logger LOG = Logger.getLogger(PartitionProcessor.class);

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private final PartitionChain chain;
    private final BatchApplier applier;
    private final BackPressureGate gate;
    private final ProcessingMetrics.PartitionMeters meters;
    /** Both null when checkpoints are off. */
    private final Checkpointer checkpointer;

    private final CheckpointTrigger trigger;
    private volatile PartitionLifecycle lifecycle = PartitionLifecycle.OPEN;
    private volatile Throwable failure;
    /** Next offset of the committed state: what {@link #nextOffset} reports. */
    private volatile long nextOffset;
    /** Next offset to apply: ahead of {@link #nextOffset} while applied batches wait for a commit. */
    private long appliedEnd;

    private final CommitPolicy commits;
    private final PlacementCheck placement;
    /** Until the first batch arrives: the offset the consumer was positioned at; -1 afterwards. */
    private volatile long firstBatchAt = -1;

    private volatile long catchUpTo = -1;

    private volatile long appliedRecords;
    private final PartitionChain.OnceQueued checkpoint = new PartitionChain.OnceQueued(this::checkpoint);
    private final PartitionChain.OnceQueued maintenance = new PartitionChain.OnceQueued(this::maintain);
    private CompletableFuture<Void> closed;

    /** The parts every processor of the instance shares. */
    record Shared(
            Executor executor,
            DeadLetterSink deadLetters,
            ProcessingObserver observer,
            ProcessingMetrics metrics,
            int maxQueuedBatches,
            long maxUnuploadedRecords,
            long commitMaxRecords,
            Duration commitInterval,
            KeyPartitioner partitioner) {}

    /** @param checkpointer null when checkpoints are off */
    PartitionProcessor(
            TopicPartition partition,
            KeyedStateBackend state,
            PartitionStateHandler handler,
            Checkpointer checkpointer,
            Shared shared,
            int partitionCount) {
        this.partition = partition;
        this.state = state;
        this.checkpointer = checkpointer;
        this.nextOffset = state.position().orElse(-1);
        this.appliedEnd = nextOffset;
        this.commits = new CommitPolicy(shared.commitMaxRecords(), shared.commitInterval());
        this.chain = new PartitionChain(shared.executor(), shared.maxQueuedBatches());
        this.gate = new BackPressureGate(
                checkpointer, shared.maxUnuploadedRecords(), shared.maxQueuedBatches(), nextOffset);
        this.meters = shared.metrics().forPartition(partition, this, state);
        this.placement = new PlacementCheck(partition, shared.partitioner(), partitionCount, meters);
        this.applier = new BatchApplier(
                partition,
                state,
                handler,
                new DeadLetterDelivery(partition, shared.deadLetters()),
                shared.observer(),
                meters);
        this.trigger = checkpointer == null ? null : new CheckpointTrigger(partition, state, checkpointer);
        if (checkpointer != null) {
            checkpointer.onDurable(this::checkpointDurable);
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    public PartitionLifecycle lifecycle() {
        return lifecycle;
    }

    public Throwable failure() {
        return failure;
    }

    /** The offset of the next record to apply, empty when nothing was ever applied. */
    public OptionalLong nextOffset() {
        long next = nextOffset;
        return next < 0 ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /** Records applied since this processor was opened. */
    public long appliedRecords() {
        return appliedRecords;
    }

    /** Records applied beyond the last durable checkpoint (0 when checkpoints are off). */
    public long unuploadedRecords() {
        return gate.beyondCheckpoint(nextOffset);
    }

    /** True while new batches are held back because too much progress is not checkpointed. */
    public boolean backPressured() {
        return gate.pressured(nextOffset);
    }

    /**
     * Records the partition's end offset when it was positioned here. Until the state has applied
     * the records up to it, a user missing from the state may have been seen by the previous owner:
     * queries answer "not yet" rather than "not found". (A log ending in a transaction marker keeps
     * this true until the next record arrives.)
     */
    public void catchUpTo(long endOffset) {
        catchUpTo = endOffset;
    }

    /** True while the state has not yet applied what the partition held when it was positioned here. */
    public boolean catchingUp() {
        long target = catchUpTo;
        return target > 0 && nextOffset < target;
    }

    /** Drops batches starting past {@code offset} until one does not (see {@link ProcessorRegistry#activate}). */
    void expectFirstBatchAt(long offset) {
        firstBatchAt = offset;
    }

    /** The partition's checkpointer, if checkpoints are on. */
    public Optional<Checkpointer> checkpointer() {
        return Optional.ofNullable(checkpointer);
    }

    /** Reads committed state; empty once the state is closed. Safe from any thread. */
    public <T> Optional<T> read(Function<KeyedStateStore, T> reader) {
        return state.read(reader);
    }

    /**
     * Queues a batch of this partition's records (in offset order). The returned future completes
     * when the queue has room again, which is how the consumer is slowed down.
     */
    public synchronized CompletableFuture<Void> submit(List<ConsumerRecord<byte[], byte[]>> records) {
        if (lifecycle != PartitionLifecycle.OPEN || records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (firstBatchAt >= 0) {
            if (records.get(0).offset() > firstBatchAt) {
                // Polled before the consumer was positioned at this state: the positioned ones follow.
                meters.skipped(records.size());
                return CompletableFuture.completedFuture(null);
            }
            firstBatchAt = -1;
        }
        gate.seen(records.get(0).offset());
        if (gate.holding() || gate.pressured(nextOffset)) {
            if (!gate.holding()) {
                LOG.warnf(
                        "Partition %s: %d records applied beyond the last durable checkpoint (bound %d); "
                                + "pausing until a checkpoint succeeds",
                        partition, unuploadedRecords(), gate.maxUnuploadedRecords());
                requestCheckpoint();
            }
            return gate.hold(records);
        }
        return chain(records);
    }

    private CompletableFuture<Void> chain(List<ConsumerRecord<byte[], byte[]>> records) {
        gate.submitted(records.get(records.size() - 1).offset() + 1);
        return chain.enqueueBatch(() -> apply(records));
    }

    private void apply(List<ConsumerRecord<byte[], byte[]>> batch) {
        if (!lifecycle.applies()) {
            return;
        }
        placement.check(batch, appliedEnd);
        BatchApplier.Step step = applier.apply(batch, appliedEnd);
        switch (step.result()) {
            case APPLIED -> {
                appliedEnd = step.lastOffset() + 1;
                appliedRecords += step.appliedRecords();
                commits.applied(step.appliedRecords());
                if (commits.due(chain.waitingBatches())) {
                    commitApplied();
                }
            }
            case FAILED -> fail(step.problem(), "failed on batch " + step.firstOffset() + ".." + step.lastOffset());
            default -> {}
        }
    }

    /** Commits the batches applied since the last commit; on the chain, before anything else touches the state. */
    private void commitApplied() {
        if (appliedEnd <= nextOffset || !lifecycle.applies()) {
            return;
        }
        BatchApplier.Step step = applier.commit(nextOffset, appliedEnd, () -> lifecycle == PartitionLifecycle.OPEN);
        switch (step.result()) {
            case COMMITTED -> {
                nextOffset = appliedEnd;
                commits.committed();
                if (trigger != null) {
                    trigger.stateChanged();
                }
            }
            case ABANDONED -> moveTo(PartitionLifecycle.ABANDONED);
            case FAILED ->
                fail(step.problem(), "failed to commit records " + step.firstOffset() + ".." + step.lastOffset());
            default -> {}
        }
    }

    /** Fails the partition before it applies anything: its stored position does not fit its log. */
    public void refuse(Throwable problem) {
        fail(problem, "cannot start at its stored position");
    }

    private void fail(Throwable problem, String what) {
        failure = problem;
        moveTo(PartitionLifecycle.FAILED);
        meters.failed();
        LOG.errorf(problem, "Partition %s %s and stops; restart the instance to recover", partition, what);
    }

    private synchronized void moveTo(PartitionLifecycle target) {
        if (lifecycle.canMoveTo(target)) {
            lifecycle = target;
        }
    }

    /**
     * Queues a checkpoint behind the queued batches, unless one is queued or uploading already
     * (see {@link CheckpointTrigger} for when it is skipped).
     */
    public synchronized void requestCheckpoint() {
        if (checkpointer != null && lifecycle == PartitionLifecycle.OPEN && !checkpointer.busy()) {
            checkpoint.queueOn(chain);
        }
    }

    private void checkpoint() {
        commitApplied();
        if (lifecycle.applies()) {
            trigger.checkpoint(false, state::snapshotConcurrently);
        }
    }

    /** After a published checkpoint (upload thread): lets held batches through once back under the bound. */
    private synchronized void checkpointDurable() {
        if (!gate.holding()) {
            return;
        }
        if (gate.pressured(nextOffset)) {
            requestCheckpoint();
            return;
        }
        LOG.infof("Partition %s: checkpoint durable, resuming %d held batch(es)", partition, gate.heldBatches());
        for (List<ConsumerRecord<byte[], byte[]>> batch : gate.release()) {
            if (lifecycle == PartitionLifecycle.OPEN) {
                chain(batch);
            }
        }
    }

    /**
     * Queues TTL maintenance (cleanup of an idle partition, gauges, the deletion deadline) behind
     * the queued batches, unless some is queued already.
     */
    public synchronized void scheduleMaintenance() {
        if (lifecycle == PartitionLifecycle.OPEN) {
            maintenance.queueOn(chain);
        }
    }

    private void maintain() {
        commitApplied();
        if (lifecycle != PartitionLifecycle.OPEN) {
            return;
        }
        try {
            if (state.maintain() && trigger != null) {
                trigger.stateChanged();
            }
        } catch (RuntimeException e) {
            try {
                state.abort();
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            fail(e, "failed during state maintenance");
        }
    }

    /** Waits until the state is closed after {@link #close}; false if that takes longer than the timeout. */
    public boolean awaitClosed(Duration timeout) {
        CompletableFuture<Void> closing;
        synchronized (this) {
            closing = closed;
        }
        return closing != null && Futures.await(closing, timeout);
    }

    /**
     * Applies what is queued, then flushes and closes the state, waiting at most {@code timeout};
     * past that the close still happens once the running batch ends. With {@code finalCheckpoint}
     * (revocation, shutdown) the state is checkpointed after the last batch and the upload awaited
     * within the same timeout. A lost partition closes without one: another instance may own it.
     */
    public void close(Duration timeout, boolean finalCheckpoint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> closing;
        CompletableFuture<CompletableFuture<Boolean>> lastCheckpoint = new CompletableFuture<>();
        synchronized (this) {
            if (closed == null) {
                moveTo(PartitionLifecycle.CLOSING);
                gate.release();
                closed = chain.append(() -> finish(finalCheckpoint, deadline, lastCheckpoint));
            } else {
                lastCheckpoint.complete(null);
            }
            closing = closed;
        }
        try {
            closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf(
                    "Partition %s did not close within %s; it closes when its running batch ends", partition, timeout);
        } catch (ExecutionException e) {
            LOG.errorf(e.getCause(), "Partition %s failed to close", partition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpointer != null) {
            if (lastCheckpoint.isDone() && lastCheckpoint.join() != null) {
                trigger.awaitFinal(lastCheckpoint.join(), deadline);
            }
            checkpointer.close();
        }
    }

    /** The last task on the chain: the final checkpoint of a healthy partition, then the state's close. */
    private void finish(
            boolean finalCheckpoint, long deadline, CompletableFuture<CompletableFuture<Boolean>> lastCheckpoint) {
        try {
            commitApplied();
            if (finalCheckpoint && trigger != null && lifecycle == PartitionLifecycle.CLOSING) {
                lastCheckpoint.complete(trigger.finalCheckpoint(deadline));
            }
        } finally {
            lastCheckpoint.complete(null);
            closeState();
        }
    }

    private void closeState() {
        try {
            state.close();
        } finally {
            moveTo(PartitionLifecycle.CLOSED);
            meters.close();
        }
        LOG.infof("Partition %s closed at offset %d after applying %d records", partition, nextOffset, appliedRecords);
    }
}
