package io.loginstate.processing;

import io.loginstate.checkpoint.CheckpointCoordinator;
import io.loginstate.checkpoint.CheckpointRestorer;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.state.CachingStateBackend;
import io.loginstate.state.IncompatibleStateException;
import io.loginstate.state.KeyedStateBackend;
import io.loginstate.state.StateBackend;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStateBackend;
import io.loginstate.state.ttl.TtlSettings;
import io.loginstate.state.ttl.TtlTimeService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The processors of the partitions assigned to this instance: opens a partition's store on
 * assignment, routes each polled batch to its partition's processor, closes on revocation and
 * shutdown. Owns the applying thread pool and the RocksDB memory shared by all partitions.
 */
@ApplicationScoped
public class ProcessorRegistry {

    private static final Logger LOG = Logger.getLogger(ProcessorRegistry.class);

    private final Map<TopicPartition, PartitionProcessor> processors = new ConcurrentHashMap<>();
    /** Processors whose close outlived the timeout; their store must be closed before reopening. */
    private final Map<TopicPartition, PartitionProcessor> closing = new ConcurrentHashMap<>();

    @Inject
    LoginStateConfig config;
    @Inject
    PartitionStateHandlerFactory handlers;
    @Inject
    DeadLetterSink deadLetters;
    @Inject
    Instance<ProcessingObserver> observers;
    @Inject
    MeterRegistry meterRegistry;
    @Inject
    java.time.InstantSource clock;
    @Inject
    CheckpointCoordinator checkpoints;

    private RocksDBSharedResources rocksResources;
    private ExecutorService pool;
    private java.util.concurrent.ScheduledExecutorService maintenance;
    private ProcessingMetrics metrics;
    private ProcessingObserver observer;
    private final java.util.Set<TopicPartition> restoring = ConcurrentHashMap.newKeySet();
    private volatile boolean assignmentReceived;
    private volatile boolean stopped;

    @PostConstruct
    void start() {
        rocksResources = new RocksDBSharedResources(config.rocksdb().blockCacheSize(), config.rocksdb().writeBufferSize());
        int threads = config.processing().threads().orElse(Math.max(2, Runtime.getRuntime().availableProcessors()));
        pool = Executors.newFixedThreadPool(threads, namedDaemonThreads("partition-apply-"));
        metrics = new ProcessingMetrics(meterRegistry);
        long interval = config.ttl().cleanupInterval().toMillis();
        maintenance = Executors.newSingleThreadScheduledExecutor(namedDaemonThreads("state-maintenance-"));
        maintenance.scheduleWithFixedDelay(() -> processors.values().forEach(PartitionProcessor::scheduleMaintenance),
                interval, interval, TimeUnit.MILLISECONDS);
        observer = observers.isResolvable() ? observers.get() : new ProcessingObserver() {
        };
        if (checkpoints.enabled()) {
            long every = checkpoints.interval().toMillis();
            maintenance.scheduleWithFixedDelay(() -> processors.values().forEach(PartitionProcessor::requestCheckpoint),
                    every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Opens the processors of newly assigned partitions without an owner epoch (checkpoints claim epoch 0). */
    public List<PartitionProcessor> open(Collection<TopicPartition> partitions) {
        return open(partitions, 0);
    }

    /**
     * Opens the processors of newly assigned partitions; returns them for seeking. With checkpoints
     * on, each partition is first claimed for owner {@code epoch} (the consumer group generation)
     * and its state restored from the latest checkpoint unless the local state is as new.
     */
    public synchronized List<PartitionProcessor> open(Collection<TopicPartition> partitions, long epoch) {
        assignmentReceived = true;
        List<PartitionProcessor> opened = new ArrayList<>(partitions.size());
        for (TopicPartition partition : partitions) {
            if (stopped) {
                throw new IllegalStateException("Processing is stopped; not opening " + partition);
            }
            PartitionProcessor processor = processors.get(partition);
            if (processor == null) {
                PartitionProcessor previous = closing.remove(partition);
                if (previous != null && !previous.awaitClosed(config.processing().closeTimeout())) {
                    throw new IllegalStateException("Partition " + partition + " is still closing; cannot reopen it yet");
                }
                long started = System.nanoTime();
                restoring.add(partition);
                try {
                    processor = checkpoints.enabled() ? openRestored(partition, epoch) : openUncheckpointed(partition);
                } finally {
                    restoring.remove(partition);
                }
                processors.put(partition, processor);
                LOG.infof("Partition %s opened in %d ms at offset %s", partition,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                        processor.nextOffset().isPresent() ? processor.nextOffset().getAsLong() : "beginning");
            }
            opened.add(processor);
        }
        return opened;
    }

    private PartitionProcessor openUncheckpointed(TopicPartition partition) {
        KeyedStateBackend state = openState(partition);
        return new PartitionProcessor(partition, state, handlers.create(partition, state), pool, deadLetters,
                observer, metrics, config.processing().maxQueuedBatches());
    }

    private PartitionProcessor openRestored(TopicPartition partition, long epoch) {
        long latest = checkpoints.claim(partition, epoch);
        KeyedStateBackend[] state = {openLocalOrEmpty(partition)};
        long local = state[0].position().orElse(-1);
        CheckpointRestorer.Outcome outcome = checkpoints.restore(partition, latest, local, storeDirectory(partition), () -> {
            state[0].close();
            state[0] = null;
        });
        if (state[0] == null) {
            state[0] = openState(partition);
        }
        Checkpointer checkpointer;
        try {
            checkpointer = checkpoints.checkpointer(partition, epoch, latest, outcome.offset(), stateConfig());
        } catch (RuntimeException e) {
            state[0].close();
            throw e;
        }
        return new PartitionProcessor(partition, state[0], handlers.create(partition, state[0]), pool, deadLetters,
                observer, metrics, config.processing().maxQueuedBatches(), checkpointer, checkpoints.maxUnuploadedRecords());
    }

    private Map<String, String> stateConfig() {
        LoginStateConfig.Ttl ttl = config.ttl();
        return Map.of("ttl.duration", ttl.duration().toString(),
                "ttl.update-type", String.valueOf(ttl.updateType()),
                "ttl.visibility", String.valueOf(ttl.visibility()),
                "ttl.time-characteristic", String.valueOf(ttl.timeCharacteristic()),
                "ttl.allowed-lateness", ttl.allowedLateness().toString(),
                "ttl.wall-clock-backstop", Boolean.toString(ttl.wallClockBackstop()));
    }

    /**
     * The local state, or an empty one if the local state cannot be opened (damaged or half
     * deleted by a crash): the checkpoint, or else the topic, has everything it held.
     */
    private KeyedStateBackend openLocalOrEmpty(TopicPartition partition) {
        try {
            return openState(partition);
        } catch (io.loginstate.state.StateStoreException e) {
            LOG.errorf("Partition %s: local state cannot be opened (%s); deleting it and restoring from the checkpoint",
                    partition, e.getMessage());
            deleteRecursively(storeDirectory(partition));
            return openState(partition);
        }
    }

    /** True while some assigned partition is being restored. */
    public boolean restoring() {
        return !restoring.isEmpty();
    }

    private KeyedStateBackend openState(TopicPartition partition) {
        try {
            return openStateOnce(partition);
        } catch (IncompatibleStateException e) {
            // The input log is the source of truth: unreadable local state is rebuilt from it.
            LOG.warnf("%s; deleting %s and rebuilding the partition from the input", e.getMessage(), storeDirectory(partition));
            deleteRecursively(storeDirectory(partition));
            return openStateOnce(partition);
        }
    }

    private static void deleteRecursively(Path directory) {
        try {
            io.loginstate.support.Directories.deleteRecursively(directory);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot delete " + directory, e);
        }
    }

    private KeyedStateBackend openStateOnce(TopicPartition partition) {
        var descriptors = handlers.stateDescriptors();
        RocksDBStateBackend backend = RocksDBStateBackend.open(partition.toString(), storeDirectory(partition),
                KeyedStateBackend.tableNames(descriptors), rocksResources);
        try {
            TtlTimeService time = new TtlTimeService(clock, config.ttl().allowedLateness(), config.ttl().wallClockBackstop(),
                    config.ttl().maxFutureSkew());
            StateBackend cached = new CachingStateBackend(backend, config.processing().cacheEntriesPerPartition());
            KeyedStateBackend state = new KeyedStateBackend(cached, descriptors, time,
                    new TtlSettings(config.ttl().cleanupBatchSize(), config.ttl().maxDeletionDelay()));
            if (state.storedFutureEventTime() != TtlTimeService.NO_TIME) {
                LOG.warnf("Partition %s: stored event time %s lies beyond the wall clock + ttl.max-future-skew; held at %s,"
                                + " and %d entries stamped later re-stamped there (they expire one TTL after it)",
                        partition, java.time.Instant.ofEpochMilli(state.storedFutureEventTime()),
                        java.time.Instant.ofEpochMilli(time.maxEventTimestamp()), state.futureStampsRepaired());
            }
            return state;
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Applies queued batches, takes a final checkpoint, then flushes and closes the partitions'
     * stores (bounded wait).
     */
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
            PartitionProcessor processor = processors.remove(partition);
            if (processor != null) {
                closed.add(processor);
                CompletableFuture<Void> done = new CompletableFuture<>();
                Thread closer = new Thread(() -> {
                    try {
                        processor.close(config.processing().closeTimeout(), finalCheckpoint);
                    } finally {
                        done.complete(null);
                    }
                }, "partition-close-" + partition);
                closer.setDaemon(true);
                closer.start();
                closes.add(done);
            }
        }
        try {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .get(config.processing().closeTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warnf("Closing %s took longer than the close timeout", partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (PartitionProcessor processor : closed) {
            if (!processor.awaitClosed(Duration.ZERO)) {
                closing.put(processor.partition(), processor);
            }
        }
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

    Path storeDirectory(TopicPartition partition) {
        return config.stateDir().resolve(partition.topic() + "-" + partition.partition());
    }

    void stop(@Observes ShutdownEvent event) {
        synchronized (this) {
            stopped = true;
            close(List.copyOf(processors.keySet()));
        }
        checkpoints.shutdown(config.processing().closeTimeout());
        maintenance.shutdownNow();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(config.processing().closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Applying threads did not stop in time");
                pool.shutdownNow();
                return; // a thread may still use RocksDB: leaking native memory beats a crash at exit
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        rocksResources.close();
    }

    private static ThreadFactory namedDaemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
