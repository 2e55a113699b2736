package io.loginstate.processing;

import io.loginstate.support.DaemonThreads;
import io.loginstate.support.Futures;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The processors of the partitions assigned to this instance: opens a partition on assignment,
 * routes each polled batch to its partition's processor, closes on revocation and at {@link #stop}.
 * Owns the applying thread pool and the timers for maintenance and checkpoints.
 */
public final class ProcessorRegistry {

    private static final Logger LOG = Logger.getLogger(ProcessorRegistry.class);

    /**
     * How processing runs.
     *
     * @param checkpointInterval empty when checkpoints are off
     * @param keptStateRetention how long the files of a partition that left this instance are
     *     kept for its return (a quarter of {@code ttl.max-deletion-delay})
     */
    public record Settings(
            int threads,
            int maxQueuedBatches,
            Duration closeTimeout,
            Duration maintenanceInterval,
            Optional<Duration> checkpointInterval,
            long maxUnuploadedRecords,
            long commitMaxRecords,
            Duration commitInterval,
            int openThreads,
            KeyPartitioner partitioner,
            int poisonAttempts,
            Duration retryBackoff,
            Duration keptStateRetention) {}

    private final Map<TopicPartition, PartitionProcessor> processors = new ConcurrentHashMap<>();
    /** Processors whose close outlived the timeout; their state must be closed before reopening. */
    private final Map<TopicPartition, PartitionProcessor> closing = new ConcurrentHashMap<>();

    /** Partitions revoked while opening: their processors close once open. */
    private final Map<TopicPartition, CompletableFuture<PartitionProcessor>> cancelledOpens = new ConcurrentHashMap<>();

    private final PartitionOpening opening;
    private final PartitionOpener opener;
    private final Settings settings;
    private final ExecutorService pool;
    private final ScheduledExecutorService timers;
    private final ScheduledExecutorService janitorTimer;
    private final KeptStateJanitor janitor;
    /** Held by a sweep of kept state through its deletion, which runs without this registry's lock. */
    private final Object sweeping = new Object();

    private final PartitionProcessor.Shared shared;
    private volatile boolean assignmentReceived;
    private volatile boolean stopped;
    /** The input topic's partition count at the last assignment that knew it; guarded by this. */
    private int knownPartitionCount;

    public ProcessorRegistry(
            PartitionOpener opener,
            Settings settings,
            DeadLetterSink deadLetters,
            ProcessingObserver observer,
            ProcessingMetrics metrics) {
        this(opener, settings, deadLetters, observer, metrics, InstantSource.system());
    }

    /** With the clock that tells how long a partition's kept files have been away. */
    public ProcessorRegistry(
            PartitionOpener opener,
            Settings settings,
            DeadLetterSink deadLetters,
            ProcessingObserver observer,
            ProcessingMetrics metrics,
            InstantSource clock) {
        this.opener = opener;
        this.settings = settings;
        this.opening = new PartitionOpening(settings.openThreads());
        this.pool = Executors.newFixedThreadPool(settings.threads(), DaemonThreads.named("partition-apply-"));
        this.timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("state-maintenance-"));
        this.shared = new PartitionProcessor.Shared(
                pool,
                timers,
                deadLetters,
                observer,
                metrics,
                settings.maxQueuedBatches(),
                settings.maxUnuploadedRecords(),
                settings.commitMaxRecords(),
                settings.commitInterval(),
                settings.partitioner(),
                settings.poisonAttempts(),
                settings.retryBackoff());
        long maintenance = settings.maintenanceInterval().toMillis();
        timers.scheduleWithFixedDelay(
                () -> processors.values().forEach(PartitionProcessor::scheduleMaintenance),
                maintenance,
                maintenance,
                TimeUnit.MILLISECONDS);
        settings.checkpointInterval()
                .ifPresent(interval -> timers.scheduleWithFixedDelay(
                        () -> processors.values().forEach(PartitionProcessor::requestCheckpoint),
                        interval.toMillis(),
                        interval.toMillis(),
                        TimeUnit.MILLISECONDS));
        this.janitor = new KeptStateJanitor(opener, settings.keptStateRetention(), clock);
        this.janitorTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kept-state-janitor-"));
        long sweep =
                Math.max(1_000L, Math.min(60_000L, settings.keptStateRetention().toMillis() / 8));
        janitorTimer.scheduleWithFixedDelay(this::discardKeptState, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /**
     * Deletes the kept files of partitions that left this instance longer than the retention ago
     * (see {@link KeptStateJanitor}); runs periodically, and returns what it deleted.
     */
    public List<TopicPartition> discardKeptState() {
        synchronized (sweeping) {
            List<TopicPartition> discarded;
            synchronized (this) {
                if (stopped || !assignmentReceived) {
                    return List.of();
                }
                try {
                    discarded = janitor.sweep(this::inUse);
                } catch (RuntimeException e) {
                    LOG.warnf("Could not look for the kept state of partitions that left: %s", e);
                    discarded = List.of();
                }
            }
            janitor.deleteDiscarded();
            return discarded;
        }
    }

    /** Open, opening, or still closing here: its files are in use. Called under this lock. */
    private boolean inUse(TopicPartition partition) {
        PartitionProcessor stillClosing = closing.get(partition);
        CompletableFuture<PartitionProcessor> cancelledOpen = cancelledOpens.get(partition);
        return processors.containsKey(partition)
                || opening.contains(partition)
                || (stillClosing != null && !stillClosing.awaitClosed(Duration.ZERO))
                || (cancelledOpen != null && !cancelledOpen.isDone());
    }

    /**
     * Starts opening newly assigned partitions for owner {@code epoch} (the consumer group
     * generation), off the caller's thread; each future yields a processor to {@link #activate}
     * once the consumer is positioned at it.
     *
     * @param partitionCount the input topic's partitions, to tell records the producers' partitioner
     *     placed elsewhere; 0 if unknown
     */
    public synchronized Map<TopicPartition, CompletableFuture<PartitionProcessor>> openAsync(
            Collection<TopicPartition> partitions, long epoch, int partitionCount) {
        assignmentReceived = true;
        if (partitionCount > 0) {
            if (knownPartitionCount > 0 && partitionCount != knownPartitionCount && !processors.isEmpty()) {
                // Partitions that stay assigned keep their state; they are refused at their next open.
                LOG.errorf(
                        "The input topic now has %d partitions, it had %d: the partitions open here keep state"
                                + " built for %d and will refuse to reopen; follow the procedure in README,"
                                + " \"Changing the partition count\"",
                        partitionCount, knownPartitionCount, knownPartitionCount);
            }
            knownPartitionCount = partitionCount;
        }
        Map<TopicPartition, CompletableFuture<PartitionProcessor>> opened = new LinkedHashMap<>();
        for (TopicPartition partition : partitions) {
            if (stopped) {
                throw new IllegalStateException("Processing is stopped; not opening " + partition);
            }
            PartitionProcessor active = processors.get(partition);
            opened.put(
                    partition,
                    active != null
                            ? CompletableFuture.completedFuture(active)
                            : opening.start(partition, p -> openOne(p, epoch, partitionCount)));
        }
        return opened;
    }

    /**
     * Lets an opened processor receive its partition's batches; its first batch must start at or
     * below {@code firstOffset} (where the consumer was positioned), earlier polled ones are dropped.
     * Returns false, and closes the processor, if the partition was revoked while it opened.
     */
    public synchronized boolean activate(PartitionProcessor processor, long firstOffset) {
        TopicPartition partition = processor.partition();
        if (processors.get(partition) == processor) {
            return true;
        }
        if (stopped || !opening.finish(partition, processor)) {
            processor.close(settings.closeTimeout(), false);
            return false;
        }
        processor.expectFirstBatchAt(firstOffset);
        processors.put(partition, processor);
        return true;
    }

    /** Opens and activates the partitions on the calling thread, positioned at their stored offsets. */
    public List<PartitionProcessor> open(Collection<TopicPartition> partitions, long epoch) {
        List<PartitionProcessor> opened = new ArrayList<>();
        openAsync(partitions, epoch, 0).values().forEach(future -> {
            PartitionProcessor processor = future.join();
            activate(processor, processor.nextOffset().orElse(0));
            opened.add(processor);
        });
        return opened;
    }

    private PartitionProcessor openOne(TopicPartition partition, long epoch, int partitionCount) {
        CompletableFuture<PartitionProcessor> cancelledOpen = cancelledOpens.remove(partition);
        if (cancelledOpen != null) {
            Futures.await(cancelledOpen, settings.closeTimeout());
        }
        PartitionProcessor previous = closing.remove(partition);
        if (previous != null && !previous.awaitClosed(settings.closeTimeout())) {
            throw new IllegalStateException("Partition " + partition + " is still closing; cannot reopen it yet");
        }
        long started = System.nanoTime();
        PartitionOpener.Opened parts = opener.open(partition, epoch, partitionCount);
        PartitionProcessor processor = new PartitionProcessor(
                partition, parts.state(), parts.handler(), parts.checkpointer(), shared, partitionCount);
        processor.failureHistory(parts.failures());
        LOG.infof(
                "Partition %s opened in %d ms at offset %s",
                partition,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                processor.nextOffset().isPresent() ? processor.nextOffset().getAsLong() : "beginning");
        return processor;
    }

    /** True while some assigned partition is being opened (claimed and restored). */
    public boolean restoring() {
        return opening.any();
    }

    /** The partitions being opened (claimed and restored) here. */
    public Set<TopicPartition> restoringPartitions() {
        return opening.partitions();
    }

    /** True while this partition is being opened (claimed and restored) here. */
    public boolean restoring(TopicPartition partition) {
        return opening.contains(partition);
    }

    /** Applies queued batches, takes a final checkpoint, then closes the partitions (bounded wait). */
    public void close(Collection<TopicPartition> partitions) {
        close(partitions, true);
    }

    /** Closes without a final checkpoint: the partitions may have another owner already. */
    public void closeLost(Collection<TopicPartition> partitions) {
        close(partitions, false);
    }

    private synchronized void close(Collection<TopicPartition> partitions, boolean finalCheckpoint) {
        // In parallel: each close waits for its partition's queue and final upload, all within one timeout.
        List<PartitionProcessor> closed = new ArrayList<>();
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            CompletableFuture<PartitionProcessor> stillOpening = opening.cancel(partition);
            if (stillOpening != null) {
                // It never processed anything: close it once open, without a checkpoint.
                cancelledOpens.put(partition, stillOpening.thenApply(opened -> {
                    opened.close(settings.closeTimeout(), false);
                    return opened;
                }));
            }
            PartitionProcessor processor = processors.remove(partition);
            if (processor != null) {
                closed.add(processor);
                closes.add(CompletableFuture.runAsync(
                        () -> processor.close(settings.closeTimeout(), finalCheckpoint),
                        runnable -> DaemonThreads.named("partition-close-" + partition + "-")
                                .newThread(runnable)
                                .start()));
            }
        }
        try {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .get(settings.closeTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warnf("Closing %s took longer than the close timeout", partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (PartitionProcessor processor : closed) {
            if (!processor.awaitClosed(Duration.ZERO)) {
                closing.put(processor.partition(), processor);
            }
        }
        janitor.left(partitions);
    }

    /** Routes each partition's records to its processor; completes when every queue has room. */
    public CompletionStage<Void> dispatch(ConsumerRecords<byte[], byte[]> records) {
        CompletableFuture<Void> room = null;
        for (TopicPartition partition : records.partitions()) {
            PartitionProcessor processor = processors.get(partition);
            if (processor == null) {
                // Revoked meanwhile: the partition's owner reprocesses these from its stored position.
                continue;
            }
            CompletableFuture<Void> hasRoom = processor.submit(records.records(partition));
            if (!hasRoom.isDone()) {
                room = room == null ? hasRoom : CompletableFuture.allOf(room, hasRoom);
            }
        }
        return room == null ? CompletableFuture.completedFuture(null) : room;
    }

    public Optional<PartitionProcessor> processor(TopicPartition partition) {
        return Optional.ofNullable(processors.get(partition));
    }

    public Collection<PartitionProcessor> processors() {
        return List.copyOf(processors.values());
    }

    /** True once the consumer group has given this instance an assignment (possibly empty). */
    public boolean assignmentReceived() {
        return assignmentReceived;
    }

    /**
     * Closes every partition (with a final checkpoint), then stops the threads, each step bounded
     * by the close timeout. Returns false if an applying thread may still be running.
     */
    public boolean stop() {
        synchronized (this) {
            stopped = true;
            close(List.copyOf(processors.keySet()));
        }
        opening.stop();
        janitorTimer.shutdownNow();
        timers.shutdownNow();
        pool.shutdown();
        try {
            if (pool.awaitTermination(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            LOG.warn("Applying threads did not stop in time");
            pool.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
