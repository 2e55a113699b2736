package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.store.StorageUnavailableException;
import io.loginstate.support.Futures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
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
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private volatile long lastChangeByMaintenance = Long.MIN_VALUE;
    private final PartitionChain chain;
    private final BatchApplier applier;
    private final BackPressureGate gate;
    private final ProcessingMetrics.PartitionMeters meters;
    /** Both null when checkpoints are off. */
    private final Checkpointer checkpointer;

    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final int poisonAttempts;
    private final Duration retryBackoff;
    private final CheckpointTrigger trigger;
    /** Batches applied since the last commit: what a failed commit or batch applies again. On the chain only. */
    private final List<List<ConsumerRecord<byte[], byte[]>>> uncommitted = new ArrayList<>();
    /** Non-null while the partition recovers from a failure (on the chain only). */
    private Recovery recovery;
    /** What health shows while the partition recovers; null otherwise. */
    private volatile String retrying;
    /** Why the state volume takes no writes (the partition holds its records and retries); null otherwise. */
    private volatile String volumeTrouble;
    /** The backoff a recovery waits out; a close ends it early. */
    private volatile CompletableFuture<Void> recoveryDelay;

    private int maintenanceFailures;
    private volatile FailureHistory failures = FailureHistory.inMemory();
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
            ScheduledExecutorService timer,
            DeadLetterSink deadLetters,
            ProcessingObserver observer,
            ProcessingMetrics metrics,
            int maxQueuedBatches,
            long maxUnuploadedRecords,
            long commitMaxRecords,
            Duration commitInterval,
            KeyPartitioner partitioner,
            int poisonAttempts,
            Duration retryBackoff) {}

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
        this.executor = shared.executor();
        this.timer = shared.timer();
        this.poisonAttempts = shared.poisonAttempts();
        this.retryBackoff = shared.retryBackoff();
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
                new DeadLetterDelivery(partition, shared.deadLetters(), shared.timer(), meters),
                shared.observer(),
                meters);
        this.trigger = checkpointer == null ? null : new CheckpointTrigger(partition, state, checkpointer);
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

    /** What the partition retries after a failure (it is open, and holds back what follows), if it does. */
    public Optional<String> retrying() {
        return Optional.ofNullable(retrying);
    }

    /**
     * Why the partition cannot write its state right now (a full volume, an I/O error), if it
     * cannot: it holds its records, commits nothing and retries.
     */
    public Optional<String> volumeTrouble() {
        return Optional.ofNullable(volumeTrouble);
    }

    /** Why this partition's dead letters cannot be stored right now (it waits and retries), if they cannot. */
    public Optional<String> deadLetterTrouble() {
        return applier.deadLetterTrouble().map(DeadLetterDelivery.Trouble::describe);
    }

    /** The offset of the next record to apply, empty when nothing was ever applied. */
    public OptionalLong nextOffset() {
        long next = nextOffset;
        return next < 0 ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /**
     * Wall time (ms) of the oldest deleted or erased data still in a local file of the partition,
     * {@code EventTimeClock.NO_TIME} if none (see {@link KeyedStateBackend#unpurgedDeletionsSince}).
     */
    public long unpurgedDeletionsSince() {
        return state.unpurgedDeletionsSince();
    }

    /**
     * Wall time (ms, the state's clock) state maintenance (cleanup, purge) last changed the state, {@code
     * Long.MIN_VALUE} if never since the partition was opened here.
     */
    public long lastChangeByMaintenance() {
        return lastChangeByMaintenance;
    }

    /**
     * Wall time (ms, the state's clock) the oldest retained checkpoint was started, if this processor published all
     * of them ({@link CheckpointTrigger#oldestRetainedStart}); {@code Long.MIN_VALUE} otherwise.
     */
    public long oldestRetainedCheckpointStart() {
        return trigger == null ? Long.MIN_VALUE : trigger.oldestRetainedStart();
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

    private CompletionStage<Void> apply(List<ConsumerRecord<byte[], byte[]>> batch) {
        if (!lifecycle.applies()) {
            return DONE;
        }
        placement.check(batch, appliedEnd);
        BatchApplier.Step step = applier.apply(batch, appliedEnd);
        switch (step.result()) {
            case APPLIED -> {
                uncommitted.add(batch);
                appliedEnd = step.lastOffset() + 1;
                appliedRecords += step.appliedRecords();
                commits.applied(step.appliedRecords());
                if (commits.due(chain.waitingBatches())) {
                    return commitApplied();
                }
            }
            case FAILED -> {
                return startRecovery(
                        step.problem(), batch, "failed on batch " + step.firstOffset() + ".." + step.lastOffset());
            }
            default -> {}
        }
        return DONE;
    }

    /**
     * After a failed batch or commit (the transaction is aborted): applies every record since the
     * last commit again, one by one, after a backoff, within this chain step, so nothing behind it
     * runs meanwhile. See {@link Recovery}.
     */
    private CompletionStage<Void> startRecovery(
            Throwable problem, List<ConsumerRecord<byte[], byte[]>> failedBatch, String what) {
        recovery = new Recovery(poisonAttempts, retryBackoff);
        for (List<ConsumerRecord<byte[], byte[]>> batch : uncommitted) {
            recovery.addPending(batch, nextOffset);
        }
        if (failedBatch != null) {
            recovery.addPending(failedBatch, nextOffset);
        }
        uncommitted.clear();
        appliedEnd = nextOffset;
        StorageUnavailableException volume = StorageUnavailableException.in(problem);
        if (volume != null) {
            return volumeFailed(volume, problem, what);
        }
        meters.retried();
        LOG.warnf(
                "Partition %s %s (%s); applying its %d records since offset %d again, one by one",
                partition,
                what,
                problem.getClass().getName(),
                recovery.pending().size(),
                nextOffset);
        LOG.debugf(problem, "Partition %s: the failure", partition);
        return retryLater();
    }

    private CompletionStage<Void> retryLater() {
        long wait = recovery.nextBackoffMillis();
        retrying = recovery.describe();
        CompletableFuture<Void> delay = new CompletableFuture<>();
        recoveryDelay = delay;
        if (lifecycle != PartitionLifecycle.OPEN) {
            delay.complete(null);
        }
        try {
            timer.schedule(() -> delay.complete(null), wait, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            delay.complete(null);
        }
        return delay.thenComposeAsync(ignored -> recoveryPass(), executor);
    }

    private CompletionStage<Void> recoveryPass() {
        if (lifecycle != PartitionLifecycle.OPEN) {
            // Closing: what is not committed is processed again by the next owner; nothing may commit past it.
            LOG.warnf(
                    "Partition %s: closing while recovering; records from offset %d are processed again by the next owner",
                    partition, nextOffset);
            endRecovery();
            moveTo(PartitionLifecycle.ABANDONED);
            return DONE;
        }
        BatchApplier.Step step = applier.applyOneByOne(recovery.pending(), recovery.poisoned(), recovery.attempts());
        if (step.result() == BatchApplier.Result.FAILED) {
            StorageUnavailableException volume = StorageUnavailableException.in(step.problem());
            if (volume != null) {
                return volumeFailed(volume, step.problem(), "failed on record " + step.firstOffset());
            }
            meters.retried();
            long offset = step.firstOffset();
            if (!recovery.failed(offset, step.problem())) {
                LOG.warnf(
                        "Partition %s: record at offset %d failed again (%s); %s",
                        partition, offset, step.problem().getClass().getName(), recovery.describe());
                return retryLater();
            }
            if (recovery.tooManyPoisoned()) {
                fail(step.problem(), "failed on " + Recovery.MAX_POISON_IN_A_ROW + " records in a row");
                endRecovery();
                return DONE;
            }
            // The exception's message may quote the record: only its class is logged and dead-lettered.
            LOG.errorf(
                    "Partition %s: record at offset %d failed %d times (%s); dead-lettering it as %s",
                    partition,
                    offset,
                    recovery.attempts(),
                    step.problem().getClass().getName(),
                    Recovery.PROCESSING_FAILED);
            return CompletableFuture.completedFuture(null).thenComposeAsync(ignored -> recoveryPass(), executor);
        }
        List<ConsumerRecord<byte[], byte[]>> applied = List.copyOf(recovery.pending());
        uncommitted.add(applied);
        appliedEnd = step.lastOffset() + 1;
        appliedRecords += step.appliedRecords();
        commits.applied(step.appliedRecords());
        return commitApplied();
    }

    /**
     * The state volume failed (the transaction is aborted): not the records' fault, so none is
     * dead-lettered; the same records are applied and committed again after a backoff, while the
     * offset stays where the committed state is. Reported once per outage. A full volume is waited
     * out however long it lasts (RocksDB takes writes again by itself once space returns); another
     * I/O error fails the partition after poison-attempts failures in a row, as only reopening the
     * store clears it.
     */
    private CompletionStage<Void> volumeFailed(StorageUnavailableException volume, Throwable problem, String what) {
        meters.retried();
        uncommitted.clear();
        appliedEnd = nextOffset;
        boolean first = recovery.volumeFailed(volume);
        if (recovery.volumeExhausted()) {
            endRecovery();
            fail(problem, what + ": the state volume failed " + poisonAttempts + " times in a row");
            return DONE;
        }
        volumeTrouble = volume.getMessage();
        if (first) {
            // The store's message names the store, the operation and the file, never a record.
            LOG.warnf(
                    "Partition %s: %s: %s (%s). Holding its %d records from offset %d, nothing dead-lettered, "
                            + "retrying with backoff",
                    partition,
                    volume.shortage(),
                    volume.getMessage(),
                    volume.getClass().getName(),
                    recovery.pending().size(),
                    nextOffset);
        } else {
            LOG.debugf("Partition %s: the state volume still fails (%s)", partition, volume.getMessage());
        }
        return retryLater();
    }

    private void endRecovery() {
        recovery = null;
        retrying = null;
        volumeTrouble = null;
    }

    /**
     * Commits the batches applied since the last commit; on the chain, before anything else touches
     * the state. Completes once committed (dead letters first), or given up.
     */
    private CompletableFuture<Void> commitApplied() {
        if (appliedEnd <= nextOffset || !lifecycle.applies()) {
            return DONE;
        }
        long end = appliedEnd;
        return applier.commit(nextOffset, end, () -> lifecycle == PartitionLifecycle.OPEN, executor)
                .thenCompose(step -> committed(step, end));
    }

    private CompletionStage<Void> committed(BatchApplier.Step step, long end) {
        switch (step.result()) {
            case COMMITTED -> {
                nextOffset = end;
                uncommitted.clear();
                failures.committed(end);
                if (recovery != null && recovery.volumeFailing()) {
                    LOG.infof(
                            "Partition %s: the state volume takes writes again; committed up to offset %d",
                            partition, end);
                    endRecovery();
                } else if (recovery != null) {
                    LOG.infof(
                            "Partition %s: recovered; committed up to offset %d, %d record(s) dead-lettered as %s",
                            partition, end, recovery.poisoned().size(), Recovery.PROCESSING_FAILED);
                    endRecovery();
                }
                commits.committed();
                if (trigger != null) {
                    trigger.stateChanged();
                }
            }
            case ABANDONED -> {
                uncommitted.clear();
                endRecovery();
                moveTo(PartitionLifecycle.ABANDONED);
            }
            case FAILED -> {
                return commitFailed(step);
            }
            default -> {}
        }
        return DONE;
    }

    /** A failed commit (its transaction aborted) is retried like a failed batch, up to poison-attempts times. */
    private CompletionStage<Void> commitFailed(BatchApplier.Step step) {
        String what = "failed to commit records " + step.firstOffset() + ".." + step.lastOffset();
        StorageUnavailableException volume = StorageUnavailableException.in(step.problem());
        if (lifecycle != PartitionLifecycle.OPEN && volume != null) {
            // Closing: nothing may commit past these records; the next owner processes them again.
            LOG.warnf(
                    "Partition %s: closing while its state volume fails (%s); records from offset %d are processed "
                            + "again by the next owner",
                    partition, volume.getMessage(), nextOffset);
            uncommitted.clear();
            endRecovery();
            moveTo(PartitionLifecycle.ABANDONED);
            return DONE;
        }
        if (lifecycle != PartitionLifecycle.OPEN) {
            uncommitted.clear();
            endRecovery();
            fail(step.problem(), what);
            return DONE;
        }
        if (recovery == null) {
            return startRecovery(step.problem(), null, what);
        }
        if (volume != null) {
            return volumeFailed(volume, step.problem(), what);
        }
        meters.retried();
        recovery.failed(Recovery.COMMIT, step.problem());
        uncommitted.clear();
        appliedEnd = nextOffset;
        if (recovery.commitExhausted()) {
            endRecovery();
            fail(step.problem(), what + " " + poisonAttempts + " times");
            return DONE;
        }
        return retryLater();
    }

    /** Fails the partition before it applies anything: its stored position does not fit its log. */
    public void refuse(Throwable problem) {
        fail(problem, "cannot start at its stored position");
    }

    private void fail(Throwable problem, String what) {
        failure = problem;
        moveTo(PartitionLifecycle.FAILED);
        meters.failed();
        int inARow = failures.failed(nextOffset);
        // The exception's message may quote a record: its class at ERROR, the whole of it at DEBUG.
        if (inARow > 1) {
            LOG.errorf(
                    "Partition %s %s (%s) and stops, again at offset %d: %d times in a row, across restarts; "
                            + "a restart does not cure it",
                    partition, what, problem.getClass().getName(), nextOffset, inARow);
        } else {
            LOG.errorf(
                    "Partition %s %s (%s) and stops; a restart reopens it from offset %d",
                    partition, what, problem.getClass().getName(), nextOffset);
        }
        LOG.debugf(problem, "Partition %s: the failure", partition);
    }

    /** Where failures in a row are kept (beside the state, so they survive the restart a failure asks for). */
    void failureHistory(FailureHistory history) {
        this.failures = history;
    }

    /**
     * How often this partition failed in a row at its current offset, across restarts; 1 after a
     * first failure, more when a restart did not help, 0 once it commits past it.
     */
    public int failuresInARow() {
        return failures.inARow();
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

    private CompletionStage<Void> checkpoint() {
        return commitApplied().thenRun(() -> {
            if (lifecycle.applies()) {
                CompletableFuture<Boolean> upload = trigger.checkpoint(false, state::snapshotConcurrently);
                if (upload != null) {
                    upload.whenComplete((published, error) -> checkpointEnded(Boolean.TRUE.equals(published)));
                } else if (checkpointer.fenced()) {
                    checkpointEnded(false);
                }
            }
        });
    }

    /**
     * After every checkpoint, published or not (upload thread): lets held batches through once back
     * under the bound, or once the partition is fenced (no checkpoint of it is published from here
     * any more, so holding them would stop it for good). After a failed checkpoint they stay held;
     * the next interval tries again.
     */
    private synchronized void checkpointEnded(boolean published) {
        if (!gate.holding()) {
            return;
        }
        if (!published && checkpointer.fenced()) {
            LOG.warnf(
                    "Partition %s: fenced off by a newer owner; applying %d held batch(es) without checkpoints",
                    partition, gate.heldBatches());
            releaseHeld();
            return;
        }
        if (!published) {
            return;
        }
        if (gate.pressured(nextOffset)) {
            requestCheckpoint();
            return;
        }
        LOG.infof("Partition %s: checkpoint durable, resuming %d held batch(es)", partition, gate.heldBatches());
        releaseHeld();
    }

    private void releaseHeld() {
        for (List<ConsumerRecord<byte[], byte[]>> batch : gate.release()) {
            if (lifecycle == PartitionLifecycle.OPEN) {
                chain(batch);
            }
        }
    }

    /**
     * A snapshot for a savepoint, at a batch boundary: queued on the chain behind the queued
     * batches, where what is applied is committed and the expired entries are drained (as for a
     * checkpoint, so the snapshot holds none of them), then written into {@code target} on
     * {@code executor} while batches go on. Fails if the partition is not open or is closed first.
     */
    public CompletableFuture<StateSnapshot> snapshotForExport(Path target, Executor executor) {
        CompletableFuture<StateSnapshot> snapshot = new CompletableFuture<>();
        synchronized (this) {
            if (lifecycle != PartitionLifecycle.OPEN) {
                snapshot.completeExceptionally(
                        new IllegalStateException("Partition " + partition + " is " + lifecycle));
                return snapshot;
            }
            chain.appendAsync(() -> commitApplied().thenRun(() -> {
                if (lifecycle != PartitionLifecycle.OPEN) {
                    snapshot.completeExceptionally(
                            new IllegalStateException("Partition " + partition + " is " + lifecycle));
                    return;
                }
                try {
                    state.drainExpired();
                } catch (RuntimeException e) {
                    snapshot.completeExceptionally(e);
                    return;
                }
                CompletableFuture.supplyAsync(() -> state.snapshotConcurrently(target), executor)
                        .whenComplete((taken, error) -> {
                            if (error != null) {
                                snapshot.completeExceptionally(error);
                            } else {
                                snapshot.complete(taken);
                            }
                        });
            }));
        }
        return snapshot;
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

    private CompletionStage<Void> maintain() {
        return commitApplied().thenRun(this::maintainState);
    }

    private void maintainState() {
        if (lifecycle != PartitionLifecycle.OPEN) {
            return;
        }
        try {
            if (state.maintain()) {
                lastChangeByMaintenance = state.time().wallClockMillis();
                if (trigger != null) {
                    trigger.stateChanged();
                }
            }
            maintenanceFailures = 0;
        } catch (RuntimeException e) {
            try {
                state.abort();
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            meters.retried();
            StorageUnavailableException volume = StorageUnavailableException.in(e);
            if (volume != null && volume.full()) {
                // Not the state's fault: the next interval tries again, and batches report the outage.
                LOG.debugf("Partition %s: state maintenance waits for space (%s)", partition, volume.getMessage());
                return;
            }
            if (++maintenanceFailures >= poisonAttempts) {
                fail(e, "failed during state maintenance " + maintenanceFailures + " times in a row");
            } else {
                LOG.warnf(
                        "Partition %s: state maintenance failed (%s, %d of %d); the next interval tries again",
                        partition, e.getClass().getName(), maintenanceFailures, poisonAttempts);
            }
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
                CompletableFuture<Void> delay = recoveryDelay;
                if (delay != null) {
                    delay.complete(null); // a recovering partition gives up at once rather than after its backoff
                }
                closed = chain.appendAsync(() -> finish(finalCheckpoint, deadline, lastCheckpoint));
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
    private CompletionStage<Void> finish(
            boolean finalCheckpoint, long deadline, CompletableFuture<CompletableFuture<Boolean>> lastCheckpoint) {
        return commitApplied().whenComplete((ignored, error) -> {
            try {
                if (error == null && finalCheckpoint && trigger != null && lifecycle == PartitionLifecycle.CLOSING) {
                    lastCheckpoint.complete(trigger.finalCheckpoint(deadline));
                }
            } finally {
                lastCheckpoint.complete(null);
                closeState();
            }
        });
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
