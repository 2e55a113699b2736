package io.loginstate.processing;

import io.loginstate.state.api.KeyedStateBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Applies batches to the partition's state and commits them. Records below the next offset
 * (redelivered after a seek or rebalance) are skipped, the rest go through the handler in offset
 * order. A commit covers every batch applied since the last one: the rejected records are stored
 * in the dead-letter topic first (asynchronously), a bounded TTL cleanup runs, and the state
 * commits with the next offset in one atomic write. What is not committed leaves no trace in the state.
 */
final class BatchApplier {

    private static final Logger LOG = Logger.getLogger(BatchApplier.class);

    /** How a step ended. */
    enum Result {
        NOTHING_NEW,
        APPLIED,
        COMMITTED,
        ABANDONED,
        FAILED
    }

    /** The result, the records applied, and what went wrong for ABANDONED and FAILED. */
    record Step(Result result, long firstOffset, long lastOffset, int appliedRecords, Throwable problem) {

        static Step of(Result result) {
            return new Step(result, -1, -1, 0, null);
        }
    }

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private final PartitionStateHandler handler;
    private final DeadLetterDelivery deadLetters;
    private final ProcessingObserver observer;
    private final ProcessingMetrics.PartitionMeters meters;
    /** Records rejected since the last commit, stored in the dead-letter topic before it. */
    private final List<Rejection> rejected = new ArrayList<>();

    BatchApplier(
            TopicPartition partition,
            KeyedStateBackend state,
            PartitionStateHandler handler,
            DeadLetterDelivery deadLetters,
            ProcessingObserver observer,
            ProcessingMetrics.PartitionMeters meters) {
        this.partition = partition;
        this.state = state;
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.observer = observer;
        this.meters = meters;
    }

    /** Applies the records from {@code nextOffset} on, without committing them. */
    Step apply(List<ConsumerRecord<byte[], byte[]>> batch, long nextOffset) {
        List<ConsumerRecord<byte[], byte[]>> records = unapplied(batch, nextOffset);
        if (records.isEmpty()) {
            return Step.of(Result.NOTHING_NEW);
        }
        long first = records.get(0).offset();
        long last = records.get(records.size() - 1).offset();
        observer.batchStarted(partition, first, last);
        long started = System.nanoTime();
        BatchOutcome outcome = new BatchOutcome();
        try {
            handler.applyBatch(records, outcome);
        } catch (RuntimeException | Error e) {
            return failed(first, last, e);
        }
        rejected.addAll(outcome.rejections());
        int applied = records.size() - outcome.notApplied();
        meters.batch(applied, outcome, System.nanoTime() - started);
        observer.batchApplied(partition, first, last);
        return new Step(Result.APPLIED, first, last, applied, null);
    }

    /**
     * Applies the records (all from the next offset on) one at a time, so a failure names its
     * record: the {@code poisoned} ones are rejected as {@link Recovery#PROCESSING_FAILED} instead.
     * A failure aborts the transaction; the step's first and last offset are then the failing record's.
     */
    Step applyOneByOne(List<ConsumerRecord<byte[], byte[]>> records, Map<Long, String> poisoned, int attempts) {
        long first = records.get(0).offset();
        long last = records.get(records.size() - 1).offset();
        observer.batchStarted(partition, first, last);
        long started = System.nanoTime();
        BatchOutcome outcome = new BatchOutcome();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String poison = poisoned.get(record.offset());
            if (poison != null) {
                outcome.reject(
                        new Rejection(record, Recovery.PROCESSING_FAILED, Recovery.message(poison, attempts), poison));
                continue;
            }
            try {
                handler.applyBatch(List.of(record), outcome);
            } catch (RuntimeException | Error e) {
                return failed(record.offset(), record.offset(), e);
            }
        }
        rejected.addAll(outcome.rejections());
        int applied = records.size() - outcome.notApplied();
        meters.batch(applied, outcome, System.nanoTime() - started);
        observer.batchApplied(partition, first, last);
        return new Step(Result.APPLIED, first, last, applied, null);
    }

    /**
     * Commits what was applied, with {@code endOffset} as the next offset, once the rejected records
     * are stored in the dead-letter topic; no thread waits for that meanwhile.
     *
     * @param open whether the partition is still open (dead letters are retried only then)
     * @param executor where the state is committed once the dead letters are stored
     */
    CompletableFuture<Step> commit(long firstOffset, long endOffset, BooleanSupplier open, Executor executor) {
        long started = System.nanoTime();
        if (rejected.isEmpty()) {
            return CompletableFuture.completedFuture(commitState(firstOffset, endOffset, started));
        }
        return deadLetters
                .deliver(rejected, open)
                .handleAsync(
                        (stored, error) -> error == null
                                ? commitState(firstOffset, endOffset, started)
                                : notCommitted(firstOffset, endOffset, unwrap(error)),
                        executor);
    }

    private Step commitState(long firstOffset, long endOffset, long started) {
        try {
            state.cleanupIncrementally();
            state.commit(endOffset);
        } catch (RuntimeException | Error e) {
            return failed(firstOffset, endOffset - 1, e);
        }
        rejected.clear();
        meters.committed(System.nanoTime() - started);
        observer.batchCommitted(partition, firstOffset, endOffset - 1);
        return new Step(Result.COMMITTED, firstOffset, endOffset - 1, 0, null);
    }

    private Step notCommitted(long firstOffset, long endOffset, Throwable problem) {
        if (!(problem instanceof AbandonedBatchException)) {
            return failed(firstOffset, endOffset - 1, problem);
        }
        rejected.clear();
        state.abort();
        LOG.warnf(
                "Partition %s: records %d..%d not committed (%s); they will be processed again",
                partition, firstOffset, endOffset - 1, problem.getMessage());
        return new Step(Result.ABANDONED, firstOffset, endOffset - 1, 0, problem);
    }

    /** Why dead letters of the partition are not being stored right now, if they are not. */
    Optional<DeadLetterDelivery.Trouble> deadLetterTrouble() {
        return deadLetters.trouble();
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private Step failed(long first, long last, Throwable problem) {
        rejected.clear();
        try {
            state.abort();
        } catch (RuntimeException e) {
            problem.addSuppressed(e);
        }
        return new Step(Result.FAILED, first, last, 0, problem);
    }

    private List<ConsumerRecord<byte[], byte[]>> unapplied(List<ConsumerRecord<byte[], byte[]>> batch, long next) {
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
}
