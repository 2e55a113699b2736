package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.login.LoginApplication;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instance's heap state budget spent under a partition over the heap backend, with the
 * service's state stack and login handler: handled as a full volume. The partition holds its
 * records (nothing dead-lettered, no offset past what is not committed, reported once, the
 * unwritable gauge up) and goes on by itself when another partition gives its bytes back. Every
 * user ends exact.
 */
class HeapBudgetStallTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final int BATCH = 10;
    private static final int USERS = 7;
    private static final int ATTEMPTS = 3;

    @TempDir
    Path dir;

    private final ExecutorService apply = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final HeapBudget budget = new HeapBudget(1 << 20);
    private final List<Rejection> deadLetters = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private final StallWorkload workload = new StallWorkload(
            PARTITION, BATCH, USERS, Instant.now().minus(Duration.ofDays(2)).toEpochMilli(), application);
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger processorLog = Logger.getLogger(PartitionProcessor.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLogs() {
        processorLog.addHandler(capture);
    }

    @AfterEach
    void stop() {
        processorLog.removeHandler(capture);
        apply.shutdownNow();
        timer.shutdownNow();
    }

    /** The partition as the service assembles it over the heap backend (no read cache). */
    private PartitionProcessor open() {
        LayeredKeyedStateBackend state = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)))
                .cacheBytes(0)
                .build(HeapStore.open(
                        PARTITION.toString(),
                        LayeredKeyedStateBackend.tableNames(application.stateDescriptors()),
                        budget));
        return new PartitionProcessor(
                PARTITION,
                state,
                application.create(PARTITION, state),
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
                        8,
                        Long.MAX_VALUE,
                        50_000,
                        Duration.ofSeconds(5),
                        KeyPartitioner.MURMUR2,
                        ATTEMPTS,
                        Duration.ofMillis(10)),
                0);
    }

    @Test
    void overTheBudgetThePartitionHoldsItsRecordsUntilAnotherPartitionGivesBytesBackThenGoesOnWithNothingLost() {
        PartitionProcessor processor = open();
        processor.submit(workload.batch(0));
        processor.submit(workload.batch(1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == 2 * BATCH);

        // Another partition of the instance takes all the budget left.
        HeapStore other = HeapStore.open("logins-1", List.of("t"), budget);
        other.table("t").put(new byte[] {1}, new byte[(int) (budget.maxBytes() - budget.usedBytes()) - 200]);
        other.commit(1);
        for (int b = 2; b < 5; b++) {
            processor.submit(workload.batch(b));
        }
        // More attempts than poison-attempts: a record failing this often would have been dead-lettered.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> processor.retrying().orElse("").contains("(attempt " + (ATTEMPTS + 2) + ")")
                        || processor.lifecycle() != PartitionLifecycle.OPEN);
        assertThat(processor.lifecycle())
                .as("a spent budget is no reason to give up the partition")
                .isEqualTo(PartitionLifecycle.OPEN);
        assertThat(deadLetters).as("no good record is dead-lettered").isEmpty();
        assertThat(processor.nextOffset())
                .as("never past what is not committed")
                .hasValue(2 * BATCH);
        assertThat(processor.volumeTrouble())
                .hasValueSatisfying(
                        trouble -> assertThat(trouble).contains("'logins-0'").contains("heap state budget is spent"));
        assertThat(processor.retrying())
                .as("readiness says what is full: the budget, not the volume")
                .hasValueSatisfying(what -> assertThat(what)
                        .contains("the heap state budget is spent; retrying until it takes writes again")
                        .doesNotContain("volume"));
        assertThat(workload.unwritable(registry)).isEqualTo(1.0);
        assertThat(budget.usedBytes()).isLessThanOrEqualTo(budget.maxBytes());

        other.close();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> processor.nextOffset().orElse(0) == 5 * BATCH);
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
        assertThat(processor.volumeTrouble()).as("writable again").isEmpty();
        assertThat(processor.retrying()).isEmpty();
        assertThat(workload.unwritable(registry)).isZero();
        assertThat(deadLetters).isEmpty();
        workload.assertEveryUser(processor, 5);
        assertThat(warnings)
                .as("one warning for the whole stall, not one per record or attempt")
                .hasSize(1)
                .first()
                .satisfies(warning -> assertThat(warning.getMessage())
                        .contains("logins-0: the heap state budget is spent")
                        .doesNotContain("volume is full"));
        processor.close(Duration.ofSeconds(10), false);
    }
}
