package io.loginstate.deploy;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.ingest.KafkaDeadLetterPublisher;
import java.lang.reflect.Field;
import java.time.Duration;

/**
 * The sizing rules of {@code k8s/README.md}, as the manifests are checked against them: the
 * termination grace period from the close path, the heap and the container memory from the
 * RocksDB and cache settings, the partitions a pod may hold, the volume size.
 */
final class Sizing {

    static final long MIB = 1024L * 1024L;

    /** Heap besides the partitions: Quarkus, the HTTP server and query answers, the Kafka clients. */
    static final long HEAP_BASELINE = 256 * MIB;
    /** Live heap × this: room for the collector (ParallelGC) to work without running back to back. */
    static final double HEAP_HEADROOM = 1.5;
    /** Per RocksDB instance outside the block cache: table readers, iterators, compaction buffers. */
    static final long ROCKSDB_PER_PARTITION = 8 * MIB;
    /** Thread stacks (about 100 threads, touched pages only) and the collector's own structures. */
    static final long THREADS_AND_GC = 128 * MIB;
    /** Sum × this: malloc fragmentation and whatever the other terms miss. */
    static final double MEMORY_MARGIN = 1.1;

    /** ProcessorRegistry waits for the parallel partition closes up to the close timeout + 5 s. */
    static final Duration REGISTRY_SLACK = Duration.ofSeconds(5);
    /** The SmallRye consumer's close waits up to 2 × default.api.timeout.ms (1 s unless set). */
    static final Duration CONSUMER_CLOSE = Duration.ofSeconds(2);
    /** Stopping the JVM: HTTP server, Vert.x, log flush. */
    static final Duration GRACE_MARGIN = Duration.ofSeconds(15);

    /** The startup probe's tolerance: the JVM and Quarkus start (restores run after it). */
    static final Duration STARTUP_TOLERANCE = Duration.ofMinutes(5);

    private Sizing() {}

    /**
     * The close path at shutdown, each step bounded: the partitions close in parallel, each applying
     * its queue, taking a final checkpoint and awaiting its upload within the close timeout
     * (ProcessorRegistry waits that + 5 s); the applying threads stop (close timeout); the upload
     * threads stop (close timeout); then the dead-letter producer, the admin client and the consumer
     * close.
     */
    static long graceSeconds(Duration closeTimeout) {
        Duration total = closeTimeout
                .plus(REGISTRY_SLACK)
                .plus(closeTimeout)
                .plus(closeTimeout)
                .plus(clientCloses())
                .plus(GRACE_MARGIN);
        return (total.toMillis() + 999) / 1000;
    }

    /** The dead-letter producer's and the admin client's close bounds (read from the service), and the consumer's. */
    static Duration clientCloses() {
        return constant(KafkaDeadLetterPublisher.class, "CLOSE_TIMEOUT")
                .plus(constant(KafkaClusterView.class, "REQUEST_TIMEOUT"))
                .plus(CONSUMER_CLOSE);
    }

    /**
     * Heap: 1.5 × (baseline + partitions × (read cache + fetched batches)), the batches being
     * (max-queued-batches + 1 being fetched) × max.partition.fetch.bytes per partition.
     */
    static long heapBytes(int partitions, long cacheBytesPerPartition, int maxQueuedBatches, long maxPartitionFetch) {
        long perPartition = cacheBytesPerPartition + (maxQueuedBatches + 1L) * maxPartitionFetch;
        return (long) Math.ceil(HEAP_HEADROOM * (HEAP_BASELINE + partitions * perPartition));
    }

    /**
     * Container memory: 1.1 × (heap + block cache + write buffers + partitions × RocksDB overhead
     * + metaspace + code cache + direct memory + threads and GC). The write buffers are charged to
     * the block cache, which may still overshoot by them (it does not enforce its capacity for
     * pinned entries), so they count on their own, as in the throughput benchmark's memory bound.
     */
    static long memoryBytes(
            long heap,
            long blockCache,
            long writeBuffers,
            int partitions,
            long metaspace,
            long codeCache,
            long directMemory) {
        long sum = heap
                + blockCache
                + writeBuffers
                + partitions * ROCKSDB_PER_PARTITION
                + metaspace
                + codeCache
                + directMemory
                + THREADS_AND_GC;
        return (long) Math.ceil(MEMORY_MARGIN * sum);
    }

    /** Partitions one pod may hold while another is away (the PDB allows one). */
    static int partitionsPerPod(int topicPartitions, int replicas) {
        int serving = Math.max(1, replicas - 1);
        return (topicPartitions + serving - 1) / serving;
    }

    /** The volume: twice the largest state a pod may hold (a restore stages a full copy beside it). */
    static long storageBytes(int partitions, long largestPartitionState) {
        return 2L * partitions * largestPartitionState;
    }

    private static Duration constant(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return (Duration) field.get(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(
                    type.getSimpleName() + "." + name + " (a bound of the close path) is gone: derive the"
                            + " termination grace period again (k8s/README.md)",
                    e);
        }
    }
}
