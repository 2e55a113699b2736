package io.loginstate.checkpoint;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Directories;
import io.loginstate.objectstore.ObjectStoreException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checkpointing of the whole instance: claims partitions, restores them, and makes one
 * {@link Checkpointer} per assigned partition. Owns the upload, download and retry threads, which
 * it stops after the partitions are closed ({@link #shutdown}).
 */
@ApplicationScoped
public class CheckpointCoordinator {

    private static final Logger LOG = Logger.getLogger(CheckpointCoordinator.class);
    /** How long an assignment waits for an unreachable store before it fails. */
    private static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(1);

    @Inject
    LoginStateConfig config;
    @Inject
    Instance<ObjectStore> store;
    @Inject
    MeterRegistry meterRegistry;
    @Inject
    InstantSource clock;
    @Inject
    Instance<OffsetCommitter> committers;

    private ExecutorService uploads;
    private ExecutorService downloads;
    private ScheduledExecutorService retries;
    private CheckpointMetrics metrics;

    @PostConstruct
    void start() {
        LoginStateConfig.Checkpoint checkpoint = config.checkpoint();
        uploads = Executors.newFixedThreadPool(Math.max(1, checkpoint.uploadThreads()), daemonThreads("checkpoint-upload-"));
        downloads = Executors.newFixedThreadPool(Math.max(1, checkpoint.downloadThreads()), daemonThreads("checkpoint-download-"));
        retries = Executors.newSingleThreadScheduledExecutor(daemonThreads("checkpoint-retry-"));
        metrics = new CheckpointMetrics(meterRegistry);
    }

    public boolean enabled() {
        return config.checkpoint().enabled();
    }

    public Duration interval() {
        return config.checkpoint().interval();
    }

    public long maxUnuploadedRecords() {
        return config.checkpoint().maxUnuploadedRecords();
    }

    /**
     * Makes {@code epoch} the partition's owner in the store before anything is processed.
     * Returns the checkpoint to restore, or -1.
     *
     * @throws FencedException if a higher epoch claimed it already
     */
    public long claim(TopicPartition partition, long epoch) {
        OwnershipFence fence = new OwnershipFence(store.get(), layout(partition).partitionPrefix());
        long deadline = System.nanoTime() + CLAIM_TIMEOUT.toNanos();
        long backoff = 500;
        while (true) {
            try {
                return fence.claim(epoch).orElse(-1);
            } catch (ObjectStoreException e) {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) > deadline) {
                    throw e;
                }
                LOG.warnf("Partition %s: cannot claim it in the object store (%s); retrying in %d ms", partition, e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /** Restores the partition's state directory; see {@link CheckpointRestorer#restore}. */
    public CheckpointRestorer.Outcome restore(TopicPartition partition, long latestId, long localPosition, Path target,
                                              Runnable releaseLocal) {
        return new CheckpointRestorer(store.get(), downloads, metrics)
                .restore(partition, layout(partition), latestId, localPosition, target, releaseLocal);
    }

    /**
     * The checkpointer of a partition just opened by owner {@code epoch}.
     *
     * @param durableOffset the next offset of the latest checkpoint in the store, or -1
     */
    public Checkpointer checkpointer(TopicPartition partition, long epoch, long latestId, long durableOffset,
                                     Map<String, String> stateConfig) {
        Path localRoot = localRoot(partition);
        try {
            Directories.deleteRecursively(localRoot);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot clear " + localRoot, e);
        }
        LoginStateConfig.Checkpoint settings = config.checkpoint();
        Checkpointer checkpointer = new Checkpointer(partition, layout(partition), store.get(), epoch, durableOffset, localRoot,
                new CheckpointSettings(settings.retained(), settings.orphanMinAge(), Duration.ofSeconds(1), settings.maxRetryBackoff()),
                stateConfig, uploads, retries, committers.isResolvable() ? committers.get() : OffsetCommitter.NONE, clock,
                metrics.forPartition(partition));
        if (latestId >= 0 && CheckpointLayout.epochOf(latestId) == epoch) {
            checkpointer.continueSequence(CheckpointLayout.sequenceOf(latestId));
        }
        return checkpointer;
    }

    private CheckpointLayout layout(TopicPartition partition) {
        return CheckpointLayout.of(partition.topic(), partition.partition());
    }

    /** Local RocksDB checkpoints of a partition wait here for their upload (same file system as the state). */
    private Path localRoot(TopicPartition partition) {
        return config.stateDir().resolve("checkpoints").resolve(partition.topic() + "-" + partition.partition());
    }

    /** Stops the threads; call after every partition is closed. Bounded by {@code timeout}. */
    public void shutdown(Duration timeout) {
        retries.shutdownNow();
        uploads.shutdown();
        downloads.shutdownNow();
        try {
            uploads.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploads.shutdownNow();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
