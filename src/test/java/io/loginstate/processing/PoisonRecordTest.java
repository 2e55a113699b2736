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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record whose processing throws (not a rejected one) is tried poison-attempts times with
 * backoff, then dead-lettered as PROCESSING_FAILED with the exception's class, and the partition
 * goes on; a failure that passes is retried without any dead letter. Every other record is applied
 * exactly once, although the failed transactions held several batches.
 */
class PoisonRecordTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);
    private static final int BATCH = 10;
    private static final int BATCHES = 5;

    @TempDir
    Path dir;

    private final ExecutorService apply = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Rejection> deadLetters = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LayeredKeyedStateBackend state;

    @AfterEach
    void stop() {
        apply.shutdownNow();
        timer.shutdownNow();
    }

    /**
     * Counts records per key. "poison" always throws, with the user in the message as a careless
     * handler would; "flaky" throws on its first two attempts; "broken" always throws.
     */
    private static final class FragileHandler implements PartitionStateHandler {
        private final LayeredKeyedStateBackend state;
        private final Map<Long, Integer> attempts = new ConcurrentHashMap<>();

        FragileHandler(LayeredKeyedStateBackend state) {
            this.state = state;
        }

        @Override
        public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchOutcome outcome) {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                state.setCurrentKey(record.key());
                ValueState<Long> count = state.valueState(COUNT);
                Long current = count.value();
                count.update(current == null ? 1 : current + 1); // written before the throw: must be rolled back
                String value = new String(record.value(), StandardCharsets.UTF_8);
                int attempt = attempts.merge(record.offset(), 1, Integer::sum);
                if (value.equals("poison") || value.equals("broken") || value.equals("flaky") && attempt <= 2) {
                    throw new IllegalStateException(
                            "cannot apply the login of " + new String(record.key(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private PartitionProcessor processor() {
        return processor(Duration.ofMillis(10));
    }

    private PartitionProcessor processor(Duration retryBackoff) {
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        state = new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(List.of(COUNT))),
                List.of(COUNT),
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
        return new PartitionProcessor(
                PARTITION,
                state,
                new FragileHandler(state),
                null,
                new PartitionProcessor.Shared(
                        apply,
                        timer,
                        rejection -> {
                            deadLetters.add(rejection);
                            return CompletableFuture.completedFuture(null);
                        },
                        new ProcessingObserver() {},
                        new ProcessingMetrics(registry),
                        BATCHES,
                        Long.MAX_VALUE,
                        50_000,
                        Duration.ofSeconds(5),
                        KeyPartitioner.MURMUR2,
                        3,
                        retryBackoff),
                0);
    }

    @Test
    void aPoisonRecordIsDeadLetteredAfterItsAttemptsAndThePartitionGoesOn() {
        PartitionProcessor processor = processor();
        for (int b = 0; b < BATCHES; b++) {
            processor.submit(batch(b, 23, "poison"));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> processor.nextOffset().orElse(0) == BATCHES * BATCH);
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
        assertThat(processor.retrying()).isEmpty();
        assertThat(deadLetters).hasSize(1);
        Rejection letter = deadLetters.get(0);
        assertThat(letter.record().offset()).isEqualTo(23);
        assertThat(letter.reason()).isEqualTo("PROCESSING_FAILED");
        assertThat(letter.exceptionClass()).isEqualTo(IllegalStateException.class.getName());
        assertThat(letter.message())
                .as("the exception's message may hold personal data")
                .doesNotContain("user-")
                .contains(IllegalStateException.class.getName());
        assertThat(total(processor)).as("every other record exactly once").isEqualTo(BATCHES * BATCH - 1);
        assertThat(registry.get("login_state.processing.retries").counter().count())
                .isGreaterThanOrEqualTo(3);
        processor.close(Duration.ofSeconds(10), false);
    }

    @Test
    void aFailureThatPassesIsRetriedWithoutDeadLetter() {
        PartitionProcessor processor = processor();
        for (int b = 0; b < BATCHES; b++) {
            processor.submit(batch(b, 12, "flaky"));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> processor.nextOffset().orElse(0) == BATCHES * BATCH);
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
        assertThat(deadLetters).isEmpty();
        assertThat(total(processor)).isEqualTo(BATCHES * BATCH);
        processor.close(Duration.ofSeconds(10), false);
    }

    @Test
    void aPartitionWhereEveryRecordFailsStopsInsteadOfDeadLetteringItsInput() {
        PartitionProcessor processor = processor();
        processor.submit(batch(0, 0, "ok"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == BATCH);
        List<ConsumerRecord<byte[], byte[]>> broken = new ArrayList<>();
        for (int i = 0; i < 2 * Recovery.MAX_POISON_IN_A_ROW; i++) {
            broken.add(record(BATCH + i, "broken"));
        }
        processor.submit(broken);
        await().atMost(Duration.ofSeconds(60)).until(() -> processor.lifecycle() == PartitionLifecycle.FAILED);
        assertThat(processor.nextOffset())
                .as("nothing committed past the failure")
                .hasValue(BATCH);
        assertThat(deadLetters).isEmpty();
        processor.close(Duration.ofSeconds(10), false);
    }

    @Test
    void aCloseEndsTheBackoffOfARecoveringPartitionAtOnce() {
        PartitionProcessor processor = processor(Duration.ofMinutes(5));
        processor.submit(batch(0, 3, "poison"));
        await().atMost(Duration.ofSeconds(10)).until(() -> processor.retrying().isPresent());
        long started = System.nanoTime();
        processor.close(Duration.ofSeconds(10), false);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.CLOSED);
        assertThat(processor.nextOffset())
                .as("nothing committed past the failing record")
                .isEmpty();
        assertThat(deadLetters).isEmpty();
    }

    private long total(PartitionProcessor processor) {
        return processor
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
    }

    private static List<ConsumerRecord<byte[], byte[]>> batch(int index, long specialOffset, String special) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long offset = (long) index * BATCH + i;
            records.add(record(offset, offset == specialOffset ? special : "ok"));
        }
        return records;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String value) {
        return new ConsumerRecord<>(
                PARTITION.topic(),
                PARTITION.partition(),
                offset,
                ("user-" + offset % 7).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }
}
