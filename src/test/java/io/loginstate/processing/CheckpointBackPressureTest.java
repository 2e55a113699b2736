package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.FlakyObjectStore;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.objectstore.DirectoryObjectStore;
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
 * While the object store is down, a partition keeps processing up to the bound of un-checkpointed
 * records, then holds its batches and slows the consumer; when the store returns, a checkpoint
 * succeeds and every held record is applied, none lost and none twice.
 */
class CheckpointBackPressureTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);
    private static final long BOUND = 250;
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

    /** Counts records per key; the total is the sum over keys. */
    private static final class CountingHandler implements PartitionStateHandler {
        private final LayeredKeyedStateBackend state;

        CountingHandler(LayeredKeyedStateBackend state) {
            this.state = state;
        }

        @Override
        public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchOutcome outcome) {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                state.setCurrentKey(record.key());
                ValueState<Long> count = state.valueState(COUNT);
                Long current = count.value();
                count.update(current == null ? 1 : current + 1);
            }
        }
    }

    @Test
    void pausesBeyondTheBoundWhileTheStoreIsDownAndResumesWithoutLossWhenItReturns() throws Exception {
        FlakyObjectStore store = new FlakyObjectStore(new DirectoryObjectStore(dir.resolve("store")));
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(List.of(COUNT))),
                List.of(COUNT),
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
        Checkpointer checkpointer = TestCheckpointers.checkpointer(
                PARTITION,
                store,
                1,
                dir.resolve("local"),
                TestCheckpointers.settings(2, Duration.ofMinutes(15)),
                uploads,
                retries,
                clock);
        PartitionProcessor processor = new PartitionProcessor(
                PARTITION,
                state,
                new CountingHandler(state),
                checkpointer,
                new PartitionProcessor.Shared(
                        apply,
                        retries,
                        rejection -> CompletableFuture.completedFuture(null),
                        new ProcessingObserver() {},
                        new ProcessingMetrics(new SimpleMeterRegistry()),
                        2,
                        BOUND,
                        50_000,
                        Duration.ofMillis(500),
                        KeyPartitioner.MURMUR2,
                        3,
                        Duration.ofMillis(10)),
                0);

        store.down(true);
        int batches = 20;
        List<CompletableFuture<Void>> rooms = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            rooms.add(processor.submit(batch(b)));
            if (b == 0) {
                processor.requestCheckpoint();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(processor::backPressured);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.failedCalls() >= 2);
        long applied = processor.nextOffset().orElse(0);
        assertThat(applied)
                .as("progress beyond the last checkpoint stays near the bound")
                .isLessThanOrEqualTo(BOUND + 3L * BATCH);
        assertThat(applied).isLessThan((long) batches * BATCH);
        assertThat(rooms.get(batches - 1)).as("the consumer is slowed down").isNotDone();
        assertThat(processor.unuploadedRecords()).isGreaterThan(BOUND);

        store.down(false);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> processor.nextOffset().orElse(0) == (long) batches * BATCH);
        assertThat(rooms.get(batches - 1)).isDone();
        assertThat(checkpointer.durableOffset()).isPositive();
        long total = processor
                .read(view -> {
                    long sum = 0;
                    for (int user = 0; user < 7; user++) {
                        view.setCurrentKey(("user-" + user).getBytes(StandardCharsets.UTF_8));
                        Long count = view.valueState(COUNT).value();
                        sum += count == null ? 0 : count;
                    }
                    return sum;
                })
                .orElseThrow();
        assertThat(total).as("every record applied exactly once").isEqualTo((long) batches * BATCH);
        processor.close(Duration.ofSeconds(10), true);
        assertThat(checkpointer.durableOffset())
                .as("the final checkpoint covers everything")
                .isEqualTo((long) batches * BATCH);
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
