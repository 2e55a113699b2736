package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure ends with every outcome of a checkpoint: batches held while checkpoints lagged are
 * applied once the partition is fenced (no checkpoint of it can ever be published from here), and
 * checkpoints that failed do not count as taken, so an unchanged partition is still checkpointed
 * once they succeed again.
 */
class CheckpointOutcomeTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);
    private static final int BATCH = 50;

    @TempDir
    Path dir;

    private final ExecutorService apply = Executors.newFixedThreadPool(2);
    private final ExecutorService uploads = Executors.newFixedThreadPool(1);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        apply.shutdownNow();
        uploads.shutdownNow();
        retries.shutdownNow();
    }

    private PartitionProcessor processor(Checkpointer checkpointer, long bound) {
        return processor(checkpointer, bound, new ManualClock(System.currentTimeMillis()));
    }

    private PartitionProcessor processor(Checkpointer checkpointer, long bound, ManualClock clock) {
        LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(List.of(COUNT))),
                List.of(COUNT),
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
        PartitionStateHandler counting = (records, outcome) -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                state.setCurrentKey(record.key());
                ValueState<Long> count = state.valueState(COUNT);
                Long current = count.value();
                count.update(current == null ? 1 : current + 1);
            }
        };
        return new PartitionProcessor(
                PARTITION,
                state,
                counting,
                checkpointer,
                new PartitionProcessor.Shared(
                        apply,
                        retries,
                        rejection -> CompletableFuture.completedFuture(null),
                        new ProcessingObserver() {},
                        new ProcessingMetrics(new SimpleMeterRegistry()),
                        2,
                        bound,
                        50_000,
                        Duration.ofMillis(500),
                        KeyPartitioner.MURMUR2,
                        3,
                        Duration.ofMillis(10)),
                0);
    }

    private Checkpointer checkpointer(ObjectStore store, long epoch, Path localRoot) {
        return TestCheckpointers.checkpointer(
                PARTITION,
                store,
                epoch,
                localRoot,
                TestCheckpointers.settings(2, Duration.ofMinutes(15)),
                uploads,
                retries,
                new ManualClock(System.currentTimeMillis()));
    }

    @Test
    void heldBatchesAreAppliedOnceThePartitionIsFenced() {
        ObjectStore store = new DirectoryObjectStore(dir.resolve("store"));
        Checkpointer ours = checkpointer(store, 1, dir.resolve("local"));
        checkpointer(store, 2, dir.resolve("theirs")).close(); // a newer owner claims the partition
        PartitionProcessor processor = processor(ours, 100);
        int batches = 10;
        List<CompletableFuture<Void>> rooms = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            rooms.add(processor.submit(batch(b)));
        }
        await().atMost(Duration.ofSeconds(20))
                .alias("every held batch applied once fenced")
                .until(() -> processor.nextOffset().orElse(0) == (long) batches * BATCH);
        assertThat(ours.fenced()).isTrue();
        assertThat(rooms).allSatisfy(room -> assertThat(room).isDone());
        assertThat(processor.backPressured()).isFalse();
        processor.close(Duration.ofSeconds(10), false);
        store.close();
    }

    @Test
    void failedCheckpointsDoNotCountAsTaken() throws Exception {
        ObjectStore store = new DirectoryObjectStore(dir.resolve("store"));
        Path localRoot = dir.resolve("local");
        Files.writeString(localRoot, "a file where the snapshots' directory should be: every snapshot fails");
        Checkpointer checkpointer = checkpointer(store, 1, localRoot);
        PartitionProcessor processor = processor(checkpointer, Long.MAX_VALUE);
        processor.submit(batch(0));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == BATCH);
        for (int attempt = 0; attempt < 5 * checkpointer.retained(); attempt++) {
            processor.requestCheckpoint();
            await().pollDelay(Duration.ofMillis(50))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !checkpointer.busy());
        }
        assertThat(checkpointer.durableOffset()).isEqualTo(-1);

        Files.delete(localRoot);
        await().atMost(Duration.ofSeconds(20))
                .alias("the unchanged partition is checkpointed once snapshots work again")
                .until(() -> {
                    processor.requestCheckpoint();
                    return checkpointer.durableOffset() == BATCH;
                });
        processor.close(Duration.ofSeconds(10), false);
        store.close();
    }

    @Test
    void checkpointStartTimesAreReadFromTheStatesClock() {
        // Erasure receipts compare them with the deletion times the state's clock records.
        long start = 1_600_000_000_000L;
        ManualClock clock = new ManualClock(start);
        ObjectStore store = new DirectoryObjectStore(dir.resolve("store"));
        Checkpointer checkpointer = checkpointer(store, 1, dir.resolve("local"));
        PartitionProcessor processor = processor(checkpointer, Long.MAX_VALUE, clock);
        for (int index = 0; index < checkpointer.retained(); index++) {
            processor.submit(batch(index));
            long applied = (long) (index + 1) * BATCH;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> processor.nextOffset().orElse(0) == applied);
            // One request per batch: requests repeated until one is published could queue a second
            // checkpoint of the same offset behind it, taken after the clock moved on, which would
            // then be the oldest retained one.
            await().atMost(Duration.ofSeconds(10)).until(() -> !checkpointer.busy());
            processor.requestCheckpoint();
            await().atMost(Duration.ofSeconds(20))
                    .alias("checkpoint " + (index + 1) + " published")
                    .until(() -> checkpointer.durableOffset() == applied);
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(processor.oldestRetainedCheckpointStart()).isEqualTo(start);
        processor.close(Duration.ofSeconds(10), false);
        store.close();
    }

    private static List<ConsumerRecord<byte[], byte[]>> batch(int index) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long offset = (long) index * BATCH + i;
            records.add(new ConsumerRecord<>(
                    PARTITION.topic(),
                    PARTITION.partition(),
                    offset,
                    ("user-" + offset % 7).getBytes(StandardCharsets.UTF_8),
                    new byte[0]));
        }
        return records;
    }
}
