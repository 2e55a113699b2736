package io.loginstate.processing;

import io.loginstate.state.api.KeyedStateBackend;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Applies one batch and commits it: records below the stored position (redelivered after a seek
 * or rebalance) are skipped, the rest go through the handler in offset order, a bounded TTL
 * cleanup follows, rejected records are dead-lettered, and the state commits with the next offset
 * in one atomic write. A batch that is not committed leaves no trace in the state.
 */
final class BatchApplier {

    private static final Logger LOG = Logger.getLogger(BatchApplier.class);

    /** How a batch ended. */
    enum Result {
        NOTHING_NEW,
        COMMITTED,
        ABANDONED,
        FAILED
    }

    /** The result, the records applied, and what went wrong for ABANDONED and FAILED. */
    record Applied(Result result, long firstOffset, long lastOffset, int appliedRecords, Throwable problem) {}

    private final TopicPartition partition;
    private final KeyedStateBackend state;
    private final PartitionStateHandler handler;
    private final DeadLetterDelivery deadLetters;
    private final ProcessingObserver observer;
    private final ProcessingMetrics.PartitionMeters meters;

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

    /** @param open whether the partition is still open (dead letters are retried only then) */
    Applied apply(List<ConsumerRecord<byte[], byte[]>> batch, long nextOffset, BooleanSupplier open) {
        List<ConsumerRecord<byte[], byte[]>> records = unapplied(batch, nextOffset);
        if (records.isEmpty()) {
            return new Applied(Result.NOTHING_NEW, -1, -1, 0, null);
        }
        long first = records.get(0).offset();
        long last = records.get(records.size() - 1).offset();
        observer.batchStarted(partition, first, last);
        long started = System.nanoTime();
        BatchOutcome outcome = new BatchOutcome();
        try {
            handler.applyBatch(records, outcome);
            state.cleanupIncrementally();
            if (!outcome.rejections().isEmpty()) {
                deadLetters.deliver(outcome.rejections(), open);
            }
            state.commit(last + 1);
        } catch (AbandonedBatchException e) {
            state.abort();
            LOG.warnf(
                    "Partition %s: batch %d..%d not committed (%s); it will be processed again",
                    partition, first, last, e.getMessage());
            return new Applied(Result.ABANDONED, first, last, 0, e);
        } catch (RuntimeException | Error e) {
            abortQuietly(e);
            return new Applied(Result.FAILED, first, last, 0, e);
        }
        int applied = records.size() - outcome.notApplied();
        meters.batch(applied, outcome, System.nanoTime() - started);
        observer.batchCommitted(partition, first, last);
        return new Applied(Result.COMMITTED, first, last, applied, null);
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

    private void abortQuietly(Throwable cause) {
        try {
            state.abort();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
