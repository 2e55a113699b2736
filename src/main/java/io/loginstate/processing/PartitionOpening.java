package io.loginstate.processing;

import io.loginstate.support.Backoff;
import io.loginstate.support.DaemonThreads;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Opens newly assigned partitions on a pool of its own, several at a time, so that a long claim
 * and restore never holds the consumer's polling thread (and the whole group's rebalance) nor
 * risks {@code max.poll.interval.ms}. A failed open is retried with backoff until the partition
 * is revoked; a partition revoked while it opens is closed once its open ends.
 */
final class PartitionOpening {

    private static final Logger LOG = Logger.getLogger(PartitionOpening.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final ExecutorService pool;
    private final Map<TopicPartition, CompletableFuture<PartitionProcessor>> opening = new ConcurrentHashMap<>();
    private final Set<TopicPartition> cancelled = ConcurrentHashMap.newKeySet();

    PartitionOpening(int parallelism) {
        this.pool = Executors.newFixedThreadPool(Math.max(1, parallelism), DaemonThreads.named("partition-open-"));
    }

    /**
     * Starts opening the partition unless it is opening already; the future yields the processor.
     * The partition is among those opening before its open starts, so nobody (readiness) can see
     * the open running while the partition is not yet listed.
     */
    CompletableFuture<PartitionProcessor> start(
            TopicPartition partition, Function<TopicPartition, PartitionProcessor> open) {
        cancelled.remove(partition);
        CompletableFuture<PartitionProcessor> created = new CompletableFuture<>();
        CompletableFuture<PartitionProcessor> existing = opening.putIfAbsent(partition, created);
        if (existing != null) {
            return existing;
        }
        try {
            pool.execute(() -> {
                try {
                    created.complete(openWithRetries(partition, open));
                } catch (Throwable e) {
                    created.completeExceptionally(new CompletionException(e));
                }
            });
        } catch (RejectedExecutionException e) {
            opening.remove(partition, created);
            throw e;
        }
        return created;
    }

    private PartitionProcessor openWithRetries(
            TopicPartition partition, Function<TopicPartition, PartitionProcessor> open) {
        Backoff backoff = new Backoff(FIRST_RETRY, MAX_RETRY);
        while (true) {
            try {
                return open.apply(partition);
            } catch (RuntimeException e) {
                if (cancelled.contains(partition)) {
                    throw e;
                }
                long wait = backoff.nextMillis();
                LOG.errorf(e, "Partition %s could not be opened; retrying in %d ms", partition, wait);
                try {
                    TimeUnit.MILLISECONDS.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                if (cancelled.contains(partition)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Ends the opening of a partition whose processor is now active; false if the partition was
     * revoked meanwhile (the caller then closes the processor).
     */
    boolean finish(TopicPartition partition, PartitionProcessor processor) {
        CompletableFuture<PartitionProcessor> future = opening.get(partition);
        if (cancelled.remove(partition) || future == null || !future.isDone() || future.join() != processor) {
            opening.remove(partition, future);
            return false;
        }
        opening.remove(partition);
        return true;
    }

    /** The partition was revoked while opening: returns its open, which then closes what it opened. */
    CompletableFuture<PartitionProcessor> cancel(TopicPartition partition) {
        if (!opening.containsKey(partition)) {
            return null;
        }
        cancelled.add(partition);
        return opening.remove(partition);
    }

    boolean any() {
        return !opening.isEmpty();
    }

    boolean contains(TopicPartition partition) {
        return opening.containsKey(partition);
    }

    Set<TopicPartition> partitions() {
        return Set.copyOf(opening.keySet());
    }

    void stop() {
        opening.keySet().forEach(cancelled::add);
        pool.shutdownNow();
    }
}
