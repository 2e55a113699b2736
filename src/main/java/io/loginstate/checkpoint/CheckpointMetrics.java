package io.loginstate.checkpoint;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/** Meters of checkpoints and restores; a partition's checkpoint meters go when it closes. */
public final class CheckpointMetrics {

    private final MeterRegistry registry;

    public CheckpointMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    PartitionMeters forPartition(TopicPartition partition) {
        return new PartitionMeters(Integer.toString(partition.partition()));
    }

    void restored(TopicPartition partition, String source, long bytes, long reusedBytes, long nanos) {
        String tag = Integer.toString(partition.partition());
        Timer.builder("login_state.restore.duration")
                .description("Time to restore a partition's state on assignment, by where it came from")
                .tag("partition", tag)
                .tag("source", source)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        Counter.builder("login_state.restore.bytes")
                .baseUnit("bytes")
                .description("Bytes downloaded from the object store to restore partitions")
                .tag("partition", tag)
                .register(registry)
                .increment(bytes);
        Counter.builder("login_state.restore.reused.bytes")
                .baseUnit("bytes")
                .description("Bytes of checkpoint files found in the local state and linked instead of downloaded")
                .tag("partition", tag)
                .register(registry)
                .increment(reusedBytes);
    }

    /**
     * A published checkpoint a restore skipped: its manifest missing or damaged, or one of its
     * files missing or damaged.
     */
    void checkpointSkipped(TopicPartition partition, String reason) {
        Counter.builder("login_state.restore.checkpoints_skipped")
                .description("Published checkpoints a restore skipped because their manifest or a file was missing or"
                        + " damaged, by reason")
                .tag("partition", Integer.toString(partition.partition()))
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /**
     * A restore that could not use the latest checkpoint: {@code previous} (an older published one
     * was restored), {@code local} (none was usable; the local state was kept and the topic replayed
     * from its position) or {@code replay} (none was usable and there is no local state: the whole
     * topic is replayed).
     */
    void restoreFellBack(TopicPartition partition, String outcome) {
        Counter.builder("login_state.restore.fallbacks")
                .description("Restores that could not use the latest checkpoint, by what they did instead")
                .tag("partition", Integer.toString(partition.partition()))
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** The partition's {@code LATEST} was found unreadable (by a claim or a publication). */
    void latestUnreadable(TopicPartition partition) {
        latestUnreadable(Integer.toString(partition.partition()));
    }

    private void latestUnreadable(String partitionTag) {
        Counter.builder("login_state.checkpoint.latest_unreadable")
                .description("Times a partition's LATEST object was found damaged; its open or publication is retried")
                .tag("partition", partitionTag)
                .register(registry)
                .increment();
    }

    /** A no-op registry-free instance, for tests and tools. */
    static PartitionMeters unregistered() {
        return new CheckpointMetrics(new SimpleMeterRegistry()).forPartition(new TopicPartition("-", 0));
    }

    final class PartitionMeters {
        private final List<Meter> meters = new ArrayList<>();
        private final String partitionTag;
        private final Timer pause;
        private final Timer upload;
        private final Counter uploadedBytes;
        private final Counter filesUploaded;
        private final Counter filesReused;
        private final Counter failures;
        private final Counter deleted;
        private final AtomicLong size = new AtomicLong();

        private PartitionMeters(String partitionTag) {
            this.partitionTag = partitionTag;
            pause = register(Timer.builder("login_state.checkpoint.pause")
                    .description("Time processing of the partition paused for a checkpoint's synchronous step")
                    .tag("partition", partitionTag)
                    .register(registry));
            upload = register(Timer.builder("login_state.checkpoint.upload")
                    .description("Time to upload and publish a checkpoint")
                    .tag("partition", partitionTag)
                    .register(registry));
            uploadedBytes = register(Counter.builder("login_state.checkpoint.uploaded")
                    .baseUnit("bytes")
                    .description("Bytes uploaded by checkpoints")
                    .tag("partition", partitionTag)
                    .register(registry));
            filesUploaded = register(Counter.builder("login_state.checkpoint.files")
                    .description("Files of published checkpoints, uploaded or reused from an earlier checkpoint")
                    .tag("partition", partitionTag)
                    .tag("kind", "uploaded")
                    .register(registry));
            filesReused = register(Counter.builder("login_state.checkpoint.files")
                    .description("Files of published checkpoints, uploaded or reused from an earlier checkpoint")
                    .tag("partition", partitionTag)
                    .tag("kind", "reused")
                    .register(registry));
            failures = register(Counter.builder("login_state.checkpoint.failures")
                    .description("Checkpoint upload attempts that failed and are retried")
                    .tag("partition", partitionTag)
                    .register(registry));
            deleted = register(Counter.builder("login_state.checkpoint.objects_deleted")
                    .description("Objects deleted by checkpoint retention")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder("login_state.checkpoint.size", size, AtomicLong::get)
                    .baseUnit("bytes")
                    .description("Total size of the partition's latest checkpoint")
                    .tag("partition", partitionTag)
                    .register(registry));
        }

        void bind(Checkpointer checkpointer) {
            register(Gauge.builder(
                            "login_state.checkpoint.last_success_age",
                            checkpointer,
                            c -> c.lastSuccessAgeMillis().isPresent()
                                    ? c.lastSuccessAgeMillis().getAsLong() / 1000.0
                                    : Double.NaN)
                    .description("Seconds since the partition's last successful checkpoint (NaN before the first)")
                    .baseUnit("seconds")
                    .tag("partition", partitionTag)
                    .register(registry));
        }

        private <M extends Meter> M register(M meter) {
            meters.add(meter);
            return meter;
        }

        void pause(long nanos) {
            pause.record(nanos, TimeUnit.NANOSECONDS);
        }

        void upload(long nanos) {
            upload.record(nanos, TimeUnit.NANOSECONDS);
        }

        void published(long totalBytes, long bytesUploaded, int uploaded, int reused) {
            size.set(totalBytes);
            uploadedBytes.increment(bytesUploaded);
            filesUploaded.increment(uploaded);
            filesReused.increment(reused);
        }

        /** {@code LATEST} was found damaged when publishing; the checkpoint is retried. */
        void latestUnreadable() {
            CheckpointMetrics.this.latestUnreadable(partitionTag);
        }

        void failed() {
            failures.increment();
        }

        void deleted(int count) {
            deleted.increment(count);
        }

        void close() {
            meters.forEach(registry::remove);
        }
    }
}
