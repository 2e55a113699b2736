package io.loginstate.processing;

import io.loginstate.support.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Stores a commit's rejected records in the dead-letter topic before the commit may happen, so an
 * offset never moves past a record that is neither applied nor dead-lettered. Nothing here holds a
 * thread: the sends complete on their own, and failed ones are retried with backoff on a timer,
 * for as long as the partition is open (while it closes, the batch is abandoned instead and its
 * next owner processes it again). While retrying, {@link #trouble} says why, for health checks.
 */
final class DeadLetterDelivery {

    private static final Logger LOG = Logger.getLogger(DeadLetterDelivery.class);

    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** Dead letters of the partition could not be stored: since when (nanoTime), how often, the last error. */
    record Trouble(long sinceNanos, long failedSends, String lastError) {
        long seconds() {
            return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sinceNanos);
        }

        String describe() {
            return failedSends + " failed send(s) in " + seconds() + " s, last: " + lastError;
        }
    }

    private final TopicPartition partition;
    private final DeadLetterSink sink;
    private final ScheduledExecutorService timer;
    private final ProcessingMetrics.PartitionMeters meters;
    private volatile Trouble trouble;

    DeadLetterDelivery(
            TopicPartition partition,
            DeadLetterSink sink,
            ScheduledExecutorService timer,
            ProcessingMetrics.PartitionMeters meters) {
        this.partition = partition;
        this.sink = sink;
        this.timer = timer;
        this.meters = meters;
    }

    /** Why dead letters of this partition are not being stored right now, if they are not. */
    Optional<Trouble> trouble() {
        return Optional.ofNullable(trouble);
    }

    /**
     * Completes once every rejection is stored; fails with {@link AbandonedBatchException} if the
     * partition stopped being open first.
     */
    CompletableFuture<Void> deliver(List<Rejection> rejections, BooleanSupplier open) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(List.copyOf(rejections), open, new Backoff(INITIAL_BACKOFF, MAX_BACKOFF), done);
        return done;
    }

    private void attempt(List<Rejection> pending, BooleanSupplier open, Backoff backoff, CompletableFuture<Void> done) {
        // After a failure only the first is sent, as a probe: a topic that is down costs one send per retry.
        List<Rejection> sending = trouble == null ? pending : pending.subList(0, 1);
        List<CompletableFuture<Void>> sends = new ArrayList<>(sending.size());
        for (Rejection rejection : sending) {
            sends.add(publish(rejection));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).whenComplete((ignored, anyError) -> {
            List<Rejection> failed = new ArrayList<>(0);
            Throwable lastError = null;
            for (int i = 0; i < sends.size(); i++) {
                if (sends.get(i).isCompletedExceptionally()) {
                    failed.add(sending.get(i));
                    lastError = cause(sends.get(i));
                }
            }
            List<Rejection> left = new ArrayList<>(failed);
            left.addAll(pending.subList(sending.size(), pending.size()));
            if (failed.isEmpty()) {
                recovered();
                if (left.isEmpty()) {
                    done.complete(null);
                    return;
                }
                attempt(left, open, backoff, done);
                return;
            }
            failedSends(failed.size(), lastError);
            if (!open.getAsBoolean()) {
                done.completeExceptionally(
                        new AbandonedBatchException("dead-letter topic unavailable while closing: " + lastError));
                return;
            }
            long wait = backoff.nextMillis();
            LOG.warnf(
                    "Partition %s: %d dead letter(s) not stored (%s); retrying in %d ms",
                    partition, left.size(), lastError, wait);
            try {
                timer.schedule(() -> attempt(left, open, backoff, done), wait, TimeUnit.MILLISECONDS);
            } catch (RuntimeException stopped) {
                done.completeExceptionally(new AbandonedBatchException("stopped while retrying dead letters"));
            }
        });
    }

    private CompletableFuture<Void> publish(Rejection rejection) {
        try {
            return sink.publish(rejection);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private synchronized void failedSends(int count, Throwable error) {
        meters.deadLettersFailed(count);
        Trouble last = trouble;
        trouble = new Trouble(
                last == null ? System.nanoTime() : last.sinceNanos(),
                (last == null ? 0 : last.failedSends()) + count,
                String.valueOf(error));
    }

    private synchronized void recovered() {
        if (trouble != null) {
            LOG.infof("Partition %s: dead letters are stored again after %d s", partition, trouble.seconds());
            trouble = null;
        }
    }

    private static Throwable cause(CompletableFuture<Void> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (RuntimeException e) {
            return e;
        }
    }
}
