package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.LocalCheckpoint;
import io.loginstate.state.KeyedStateBackend;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Applies one partition's records strictly in offset order. Batches are chained on a shared pool,
 * so a partition is applied by one thread at a time while different partitions run in parallel.
 * Each batch ends with one atomic commit of its state changes and the next offset; records below
 * the committed position (redelivered after a seek or rebalance) are skipped, never applied twice.
 */
public final class PartitionProcessor {

    private static final Logger LOG = Logger.getLogger(PartitionProcessor.class);
    /** Longer than the producer's delivery timeout, so a send is retried only once it has failed. */
    private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(150);
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private final PartitionStateHandler handler;
    private final Executor executor;
    private final DeadLetterSink deadLetters;
    private final ProcessingObserver observer;
    private final ProcessingMetrics.PartitionMeters meters;
    private final int maxQueuedBatches;
    private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
    private final ArrayDeque<CompletableFuture<Void>> queued = new ArrayDeque<>();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> closed;
    private volatile ProcessorStatus status = ProcessorStatus.OPEN;
    private volatile Throwable failure;
    private volatile long nextOffset;
    private volatile long appliedRecords;
    private volatile boolean storeClosed;
    /** Set when a batch was abandoned: no later batch may commit past the abandoned records. */
    private volatile boolean stopped;
    private volatile boolean maintenanceQueued;
    /** Null when checkpoints are off. */
    private final Checkpointer checkpointer;
    private final long maxUnuploadedRecords;
    /** Batches held back while too much progress is not checkpointed (back-pressure), oldest first. */
    private final ArrayDeque<List<ConsumerRecord<byte[], byte[]>>> held = new ArrayDeque<>();
    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);
    private volatile boolean checkpointQueued;
    /** Counts commits that changed state; a checkpoint is skipped when nothing changed since the last. */
    private volatile long stateVersion;
    private long checkpointedVersion = -1;
    /**
     * Checkpoints taken of {@code checkpointedVersion}. An unchanged partition is still checkpointed
     * until every retained checkpoint shows the current state, so files holding purged (expired)
     * data stop being referenced within retained × interval even on an idle partition.
     */
    private int checkpointsAtVersion;
    /** First offset this processor saw, the base of the un-checkpointed count while no checkpoint exists. */
    private volatile long baseOffset = -1;
    /** One past the last offset handed to the applying chain. */
    private volatile long submittedEnd = -1;

    PartitionProcessor(TopicPartition partition, KeyedStateBackend state, PartitionStateHandler handler, Executor executor,
                       DeadLetterSink deadLetters, ProcessingObserver observer, ProcessingMetrics metrics,
                       int maxQueuedBatches) {
        this(partition, state, handler, executor, deadLetters, observer, metrics, maxQueuedBatches, null, Long.MAX_VALUE);
    }

    PartitionProcessor(TopicPartition partition, KeyedStateBackend state, PartitionStateHandler handler, Executor executor,
                       DeadLetterSink deadLetters, ProcessingObserver observer, ProcessingMetrics metrics,
                       int maxQueuedBatches, Checkpointer checkpointer, long maxUnuploadedRecords) {
        this.partition = partition;
        this.state = state;
        this.handler = handler;
        this.executor = executor;
        this.deadLetters = deadLetters;
        this.observer = observer;
        this.maxQueuedBatches = maxQueuedBatches;
        this.nextOffset = state.position().orElse(-1);
        this.baseOffset = nextOffset;
        this.checkpointer = checkpointer;
        this.maxUnuploadedRecords = maxUnuploadedRecords;
        this.meters = metrics.forPartition(partition, this);
        if (checkpointer != null) {
            checkpointer.onDurable(this::checkpointDurable);
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    public ProcessorStatus status() {
        return status;
    }

    public Throwable failure() {
        return failure;
    }

    /** The offset of the next record to apply, empty when nothing was ever applied. */
    public OptionalLong nextOffset() {
        long next = nextOffset;
        return next < 0 ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /** Counters and gauges of TTL cleanup; safe from any thread. */
    public io.loginstate.state.ttl.TtlStatistics ttlStatistics() {
        return state.statistics();
    }

    /** Age of the oldest expired entry whose bytes may still be in a local file, in ms. */
    public long oldestUnpurgedExpiredAgeMillis() {
        return state.oldestUnpurgedExpiredAgeMillis();
    }

    /** The partition's event-time watermark, or {@link Long#MIN_VALUE} before the first event. */
    public long watermark() {
        return state.time().watermark();
    }

    /** Records applied since this processor was opened. */
    public long appliedRecords() {
        return appliedRecords;
    }

    /**
     * Queues a batch of this partition's records (in offset order). The returned future completes
     * when the queue has room again, which is how the consumer is slowed down.
     */
    public synchronized CompletableFuture<Void> submit(List<ConsumerRecord<byte[], byte[]>> records) {
        if (status != ProcessorStatus.OPEN || records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (baseOffset < 0) {
            baseOffset = records.get(0).offset();
        }
        if (!held.isEmpty() || backPressured()) {
            if (held.isEmpty()) {
                released = new CompletableFuture<>();
                LOG.warnf("Partition %s: %d records applied beyond the last durable checkpoint (bound %d); pausing until a checkpoint succeeds",
                        partition, unuploadedRecords(), maxUnuploadedRecords);
                requestCheckpoint();
            }
            held.addLast(records);
            return held.size() > maxQueuedBatches ? released : CompletableFuture.completedFuture(null);
        }
        return chain(records);
    }

    private CompletableFuture<Void> chain(List<ConsumerRecord<byte[], byte[]>> records) {
        submittedEnd = Math.max(submittedEnd, records.get(records.size() - 1).offset() + 1);
        CompletableFuture<Void> done = tail.thenRunAsync(() -> apply(records), executor);
        tail = done;
        queued.addLast(done);
        while (!queued.isEmpty() && queued.peekFirst().isDone()) {
            queued.removeFirst();
        }
        return queued.size() > maxQueuedBatches ? queued.peekFirst() : CompletableFuture.completedFuture(null);
    }

    /** Records applied beyond the last durable checkpoint (0 when checkpoints are off). */
    public long unuploadedRecords() {
        return beyondCheckpoint(nextOffset);
    }

    private long beyondCheckpoint(long end) {
        if (checkpointer == null) {
            return 0;
        }
        long durable = checkpointer.durableOffset();
        long base = durable >= 0 ? durable : baseOffset;
        return base < 0 || end < 0 ? 0 : Math.max(0, end - base);
    }

    /**
     * True while new batches are held back: the records applied or queued beyond the last durable
     * checkpoint exceed {@code login-state.checkpoint.max-unuploaded-records}.
     */
    public boolean backPressured() {
        return checkpointer != null && !checkpointer.fenced()
                && beyondCheckpoint(Math.max(nextOffset, submittedEnd)) > maxUnuploadedRecords;
    }

    /** The partition's checkpointer, if checkpoints are on. */
    public java.util.Optional<Checkpointer> checkpointer() {
        return java.util.Optional.ofNullable(checkpointer);
    }

    /**
     * Queues a checkpoint's synchronous step behind the queued batches, unless one is queued or
     * uploading already. Skipped once the retained checkpoints all show the current state.
     */
    public synchronized void requestCheckpoint() {
        if (checkpointer == null || status != ProcessorStatus.OPEN || checkpointQueued || checkpointer.busy()) {
            return;
        }
        checkpointQueued = true;
        tail = tail.thenRunAsync(this::checkpoint, executor);
    }

    private void checkpoint() {
        checkpointQueued = false;
        if (stopped || status == ProcessorStatus.FAILED || storeClosed) {
            return;
        }
        takeCheckpoint(false);
    }

    /**
     * Starts a checkpoint unless the retained ones already show the current state. On the chain,
     * only expired entries are drained (the pause); the snapshot itself is taken on the upload
     * thread while batches go on, except for the last one before closing ({@code inline}).
     * Returns the upload, or null if no checkpoint was started.
     */
    private CompletableFuture<Boolean> takeCheckpoint(boolean inline) {
        long version = stateVersion;
        if (version == checkpointedVersion && checkpointsAtVersion >= checkpointer.retained()
                || checkpointer.busy() || checkpointer.fenced()) {
            return null;
        }
        try {
            CompletableFuture<Boolean> upload;
            if (inline) {
                LocalCheckpoint local = checkpointer.snapshot(state);
                upload = local == null ? null : checkpointer.upload(local);
            } else {
                long started = System.nanoTime();
                state.drainExpired();
                checkpointer.recordPause(System.nanoTime() - started);
                upload = checkpointer.start(this::snapshotWhileOpen);
            }
            if (upload == null) {
                return null;
            }
            if (version == checkpointedVersion) {
                checkpointsAtVersion++;
            } else {
                checkpointedVersion = version;
                checkpointsAtVersion = 1;
            }
            return upload;
        } catch (RuntimeException e) {
            LOG.errorf(e, "Partition %s: taking a checkpoint failed; processing goes on and the next interval tries again", partition);
            return null;
        }
    }

    /** Runs on the upload thread; the store stays open meanwhile. */
    private KeyedStateBackend.SnapshotPoint snapshotWhileOpen(java.nio.file.Path directory) {
        storeLock.readLock().lock();
        try {
            if (storeClosed) {
                throw new IllegalStateException("partition " + partition + " is closed");
            }
            return state.snapshotConcurrently(directory);
        } finally {
            storeLock.readLock().unlock();
        }
    }

    /** After a published checkpoint: lets held batches through once back under the bound. */
    private synchronized void checkpointDurable() {
        if (held.isEmpty()) {
            return;
        }
        if (backPressured()) {
            requestCheckpoint();
            return;
        }
        LOG.infof("Partition %s: checkpoint durable, resuming %d held batch(es)", partition, held.size());
        while (!held.isEmpty()) {
            List<ConsumerRecord<byte[], byte[]>> batch = held.pollFirst();
            if (status == ProcessorStatus.OPEN) {
                chain(batch);
            }
        }
        released.complete(null);
    }

    /** Reads committed state; empty if the processor is closed. Safe from any thread. */
    public <T> java.util.Optional<T> read(Function<KeyedStateBackend, T> reader) {
        storeLock.readLock().lock();
        try {
            if (storeClosed) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.ofNullable(reader.apply(state));
        } finally {
            storeLock.readLock().unlock();
        }
    }

    private void apply(List<ConsumerRecord<byte[], byte[]>> batch) {
        if (stopped || status == ProcessorStatus.FAILED || status == ProcessorStatus.CLOSED) {
            return;
        }
        List<ConsumerRecord<byte[], byte[]>> records = unapplied(batch);
        if (records.isEmpty()) {
            return;
        }
        long first = records.get(0).offset();
        long last = records.get(records.size() - 1).offset();
        observer.batchStarted(partition, first, last);
        long started = System.nanoTime();
        BatchOutcome outcome = new BatchOutcome();
        List<Rejection> rejections = outcome.rejections();
        try {
            handler.applyBatch(records, outcome);
            state.cleanupIncrementally();
            if (!rejections.isEmpty()) {
                publishDeadLetters(rejections);
            }
            state.commit(last + 1);
        } catch (AbortedBatchException e) {
            stopped = true;
            handler.discardUncommitted();
            state.abort();
            LOG.warnf("Partition %s: batch %d..%d not committed (%s); it will be processed again", partition, first, last, e.getMessage());
            return;
        } catch (RuntimeException | Error e) {
            handler.discardUncommitted();
            abortQuietly();
            failure = e;
            status = ProcessorStatus.FAILED;
            meters.failed();
            LOG.errorf(e, "Partition %s failed on batch %d..%d and stops; restart the instance to recover", partition, first, last);
            return;
        }
        nextOffset = last + 1;
        stateVersion++;
        appliedRecords += records.size() - outcome.notApplied();
        meters.batch(records.size() - outcome.notApplied(), outcome, System.nanoTime() - started);
        observer.batchCommitted(partition, first, last);
    }

    private void abortQuietly() {
        try {
            state.abort();
        } catch (RuntimeException e) {
            LOG.warnf(e, "Partition %s: dropping the failed batch's writes failed too", partition);
        }
    }

    /**
     * Queues TTL maintenance (cleanup of an idle partition, gauges, the deletion deadline) behind
     * the queued batches, unless some is queued already.
     */
    public synchronized void scheduleMaintenance() {
        if (status != ProcessorStatus.OPEN || maintenanceQueued) {
            return;
        }
        maintenanceQueued = true;
        tail = tail.thenRunAsync(this::maintain, executor);
    }

    private void maintain() {
        maintenanceQueued = false;
        if (stopped || status != ProcessorStatus.OPEN) {
            return;
        }
        try {
            if (state.maintain()) {
                stateVersion++;
            }
        } catch (RuntimeException e) {
            abortQuietly();
            failure = e;
            status = ProcessorStatus.FAILED;
            meters.failed();
            LOG.errorf(e, "Partition %s failed during state maintenance and stops; restart the instance to recover", partition);
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> unapplied(List<ConsumerRecord<byte[], byte[]>> batch) {
        long next = nextOffset;
        if (batch.get(0).offset() >= next) {
            return batch;
        }
        int from = 0;
        while (from < batch.size() && batch.get(from).offset() < next) {
            from++;
        }
        meters.skipped(from);
        return batch.subList(from, batch.size());
    }

    /** Waits until every rejection is stored; retries with backoff, gives up only when closing. */
    private void publishDeadLetters(List<Rejection> rejections) {
        List<Rejection> pending = rejections;
        long backoff = 100;
        while (true) {
            List<CompletableFuture<Void>> sends = new ArrayList<>(pending.size());
            for (Rejection rejection : pending) {
                sends.add(deadLetters.publish(rejection));
            }
            List<Rejection> failed = new ArrayList<>(0);
            Throwable lastError = null;
            for (int i = 0; i < sends.size(); i++) {
                try {
                    sends.get(i).get(DEAD_LETTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    failed.add(pending.get(i));
                    lastError = e instanceof ExecutionException ? e.getCause() : e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AbortedBatchException("interrupted while publishing dead letters");
                }
            }
            if (failed.isEmpty()) {
                return;
            }
            if (status != ProcessorStatus.OPEN) {
                throw new AbortedBatchException("dead-letter topic unavailable while closing: " + lastError);
            }
            LOG.warnf("Partition %s: %d dead letter(s) not stored (%s); retrying in %d ms", partition, failed.size(), lastError, backoff);
            pause(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            pending = failed;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AbortedBatchException("interrupted during backoff");
        }
    }

    /** Waits until the store is closed after {@link #close}; false if that takes longer than the timeout. */
    public boolean awaitClosed(Duration timeout) {
        CompletableFuture<Void> closing;
        synchronized (this) {
            closing = closed;
        }
        if (closing == null) {
            return false;
        }
        try {
            closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return closing.isDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Applies what is queued, then flushes and closes the store. Waits at most {@code timeout};
     * if that passes, the close still happens once the running batch ends.
     */
    public void close(Duration timeout) {
        close(timeout, false);
    }

    /**
     * Like {@link #close(Duration)}; with {@code finalCheckpoint} (revocation, shutdown) the state
     * is checkpointed after the last batch and the upload is awaited within the same timeout. A
     * lost partition closes without one: another instance may own it already.
     */
    public void close(Duration timeout, boolean finalCheckpoint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> closing;
        CompletableFuture<CompletableFuture<Boolean>> lastCheckpoint = new CompletableFuture<>();
        synchronized (this) {
            if (closed == null) {
                if (status == ProcessorStatus.OPEN) {
                    status = ProcessorStatus.CLOSING;
                }
                held.clear();
                released.complete(null);
                closed = tail.thenRunAsync(() -> {
                    try {
                        boolean healthy = !stopped && status != ProcessorStatus.FAILED;
                        if (finalCheckpoint && checkpointer != null && healthy) {
                            if (checkpointer.busy()) {
                                checkpointer.awaitUpload(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                            }
                            lastCheckpoint.complete(takeCheckpoint(true));
                        }
                    } finally {
                        lastCheckpoint.complete(null);
                        closeStore();
                    }
                }, executor);
            } else {
                lastCheckpoint.complete(null);
            }
            closing = closed;
        }
        try {
            closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf("Partition %s did not close within %s; it closes when its running batch ends", partition, timeout);
        } catch (ExecutionException e) {
            LOG.errorf(e.getCause(), "Partition %s failed to close", partition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpointer != null) {
            if (lastCheckpoint.isDone() && lastCheckpoint.join() != null) {
                awaitFinalCheckpoint(lastCheckpoint.join(), deadline);
            }
            checkpointer.close();
        }
    }

    private void awaitFinalCheckpoint(CompletableFuture<Boolean> upload, long deadline) {
        try {
            boolean published = upload.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (published) {
                LOG.infof("Partition %s: final checkpoint published at offset %d", partition, checkpointer.durableOffset());
            }
        } catch (TimeoutException e) {
            LOG.warnf("Partition %s: final checkpoint not uploaded within the close timeout; the next owner replays from the previous one", partition);
        } catch (ExecutionException e) {
            LOG.warnf("Partition %s: final checkpoint failed: %s", partition, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeStore() {
        storeLock.writeLock().lock();
        try {
            state.close();
        } finally {
            storeClosed = true;
            if (status != ProcessorStatus.FAILED) {
                status = ProcessorStatus.CLOSED;
            }
            storeLock.writeLock().unlock();
            meters.close();
        }
        LOG.infof("Partition %s closed at offset %d after applying %d records", partition, nextOffset, appliedRecords);
    }

    /** A batch that must not be committed; the same records are processed again later. */
    private static final class AbortedBatchException extends RuntimeException {
        AbortedBatchException(String message) {
            super(message, null, false, false);
        }
    }
}
