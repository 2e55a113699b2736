package io.loginstate.processing;

import io.loginstate.support.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Stores a batch's rejected records in the dead-letter topic before the batch may commit, so an
 * offset never moves past a record that is neither applied nor dead-lettered. Failed sends are
 * retried with backoff for as long as the partition is open; while it closes, the batch is
 * abandoned instead and its next owner processes it again.
 */
final class DeadLetterDelivery {

    private static final Logger LOG = Logger.getLogger(DeadLetterDelivery.class);
    /** Longer than the producer's delivery timeout, so a send is retried only once it has failed. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(150);

    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final TopicPartition partition;
    private final DeadLetterSink sink;

    DeadLetterDelivery(TopicPartition partition, DeadLetterSink sink) {
        this.partition = partition;
        this.sink = sink;
    }

    /**
     * Returns once every rejection is stored.
     *
     * @throws AbandonedBatchException if the partition stopped being open, or the thread was interrupted
     */
    void deliver(List<Rejection> rejections, BooleanSupplier open) {
        List<Rejection> pending = rejections;
        Backoff backoff = new Backoff(INITIAL_BACKOFF, MAX_BACKOFF);
        while (true) {
            List<CompletableFuture<Void>> sends = new ArrayList<>(pending.size());
            for (Rejection rejection : pending) {
                sends.add(sink.publish(rejection));
            }
            List<Rejection> failed = new ArrayList<>(0);
            Throwable lastError = null;
            for (int i = 0; i < sends.size(); i++) {
                try {
                    sends.get(i).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    failed.add(pending.get(i));
                    lastError = e instanceof ExecutionException ? e.getCause() : e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AbandonedBatchException("interrupted while publishing dead letters");
                }
            }
            if (failed.isEmpty()) {
                return;
            }
            if (!open.getAsBoolean()) {
                throw new AbandonedBatchException("dead-letter topic unavailable while closing: " + lastError);
            }
            long wait = backoff.nextMillis();
            LOG.warnf(
                    "Partition %s: %d dead letter(s) not stored (%s); retrying in %d ms",
                    partition, failed.size(), lastError, wait);
            pause(wait);
            pending = failed;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AbandonedBatchException("interrupted during backoff");
        }
    }
}
