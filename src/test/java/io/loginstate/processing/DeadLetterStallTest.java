package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead-letter topic that cannot take records holds back only the partition whose bad record
 * waits: the other partitions keep being applied on the same (here single-threaded) pool, the
 * waiting partition never commits past the bad record, and once the topic takes records again it
 * goes on.
 */
class DeadLetterStallTest {

    private static final TopicPartition STUCK = new TopicPartition("logins", 0);
    private static final TopicPartition HEALTHY = new TopicPartition("logins", 1);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);
    private static final int BATCH = 10;

    @TempDir
    Path dir;

    private final ExecutorService apply = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<LayeredKeyedStateBackend> states = new ArrayList<>();

    @AfterEach
    void stop() {
        apply.shutdownNow();
        timer.shutdownNow();
    }

    /** Counts records per key; a record whose value is "bad" is rejected. */
    private record RejectingHandler(LayeredKeyedStateBackend state) implements PartitionStateHandler {
        @Override
        public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchOutcome outcome) {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if ("bad".equals(new String(record.value(), StandardCharsets.UTF_8))) {
                    outcome.reject(record, "NOT_JSON", "not JSON");
                    continue;
                }
                state.setCurrentKey(record.key());
                ValueState<Long> count = state.valueState(COUNT);
                Long current = count.value();
                count.update(current == null ? 1 : current + 1);
            }
        }
    }

    /** A dead-letter topic that refuses every record of {@link #STUCK} while down, as a missing topic does. */
    private static final class SwitchableSink implements DeadLetterSink {
        volatile boolean down = true;
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger stored = new AtomicInteger();

        @Override
        public CompletableFuture<Void> publish(Rejection rejection) {
            attempts.incrementAndGet();
            if (down && rejection.record().partition() == STUCK.partition()) {
                return CompletableFuture.failedFuture(
                        new TimeoutException("Topic logins-dlq not present in metadata after 5000 ms."));
            }
            stored.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
    }

    private PartitionProcessor processor(TopicPartition partition, DeadLetterSink sink, ProcessingMetrics metrics) {
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(
                        dir.resolve("db-" + partition.partition()),
                        LayeredKeyedStateBackend.tableNames(List.of(COUNT))),
                List.of(COUNT),
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
        states.add(state);
        return new PartitionProcessor(
                partition,
                state,
                new RejectingHandler(state),
                null,
                new PartitionProcessor.Shared(
                        apply,
                        timer,
                        sink,
                        new ProcessingObserver() {},
                        metrics,
                        4,
                        Long.MAX_VALUE,
                        50_000,
                        Duration.ofMillis(500),
                        KeyPartitioner.MURMUR2,
                        3,
                        Duration.ofMillis(10)),
                0);
    }

    @Test
    void anUndeliverableDeadLetterHoldsBackOnlyItsOwnPartition() {
        SwitchableSink sink = new SwitchableSink();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProcessingMetrics metrics = new ProcessingMetrics(registry);
        PartitionProcessor stuck = processor(STUCK, sink, metrics);
        PartitionProcessor healthy = processor(HEALTHY, sink, metrics);

        stuck.submit(batch(STUCK, 0, false));
        await().atMost(Duration.ofSeconds(10)).until(() -> stuck.nextOffset().orElse(0) == BATCH);
        stuck.submit(batch(STUCK, 1, true)); // offset 10 is bad: its dead letter cannot be stored
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.attempts.get() >= 2);

        for (int b = 0; b < 3; b++) {
            healthy.submit(batch(HEALTHY, b, false));
        }
        await().atMost(Duration.ofSeconds(10))
                .alias("the other partition is applied while the dead letter waits")
                .until(() -> healthy.nextOffset().orElse(0) == 3L * BATCH);
        assertThat(stuck.nextOffset())
                .as("never past the undelivered bad record")
                .hasValue(BATCH);
        assertThat(stuck.deadLetterTrouble())
                .hasValueSatisfying(trouble -> assertThat(trouble).contains("not present in metadata"));
        assertThat(healthy.deadLetterTrouble()).isEmpty();
        assertThat(registry.get("login_state.dead_letters.failed")
                        .tag("partition", "0")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(2);
        healthy.submit(batch(HEALTHY, 3, true));
        await().atMost(Duration.ofSeconds(10)).until(() -> healthy.nextOffset().orElse(0) == 4L * BATCH);
        assertThat(sink.stored)
                .as("the other partition's dead letters are stored")
                .hasValue(1);

        sink.down = false;
        await().atMost(Duration.ofSeconds(30)).until(() -> stuck.nextOffset().orElse(0) == 2L * BATCH);
        assertThat(sink.stored).hasValue(2);
        assertThat(stuck.deadLetterTrouble()).as("healthy again").isEmpty();
        stuck.close(Duration.ofSeconds(10), false);
        healthy.close(Duration.ofSeconds(10), false);
    }

    private static List<ConsumerRecord<byte[], byte[]>> batch(TopicPartition partition, int index, boolean firstBad) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long offset = (long) index * BATCH + i;
            records.add(new ConsumerRecord<>(
                    partition.topic(),
                    partition.partition(),
                    offset,
                    ("user-" + offset % 7).getBytes(StandardCharsets.UTF_8),
                    (firstBad && i == 0 ? "bad" : "{}").getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }
}
