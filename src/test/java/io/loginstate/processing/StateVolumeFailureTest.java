package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.login.LoginApplication;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.FailingVolume;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.StorageUnavailableException;
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
 * The state volume failing under a partition, as RocksDB reports it (injected at the backend seam,
 * through the store's own translation of RocksDB errors), with the service's state stack and login
 * handler over a real RocksDB: the failure is the volume's, never a record's. A full volume holds
 * the partition (nothing dead-lettered, no offset past what is not written, reported once) and it
 * goes on by itself when space returns; any other I/O error fails the partition cleanly, and the
 * restart that follows goes on from the stored state. Every user ends exact.
 */
class StateVolumeFailureTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final int BATCH = 10;
    private static final int USERS = 7;
    private static final int ATTEMPTS = 3;

    @TempDir
    Path dir;

    private final ExecutorService apply = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
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
    private FailingVolume volume;

    @BeforeEach
    void captureLogs() {
        processorLog.addHandler(capture);
    }

    @AfterEach
    void stop() {
        processorLog.removeHandler(capture);
        apply.shutdownNow();
        timer.shutdownNow();
        rocks.close();
    }

    /** The partition as the service assembles it, over the failing volume. */
    private PartitionProcessor open() {
        return open(1 << 20);
    }

    /** With {@code cacheBytes} 0 every read of a key not written in the transaction reaches the volume. */
    private PartitionProcessor open(long cacheBytes) {
        volume = new FailingVolume(RocksDBStore.open(
                PARTITION.toString(),
                dir.resolve("logins-0"),
                LayeredKeyedStateBackend.tableNames(application.stateDescriptors()),
                rocks));
        LayeredKeyedStateBackend state = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)))
                .cacheBytes(cacheBytes)
                .build(volume);
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
    void aFullVolumeHoldsThePartitionUntilSpaceReturnsThenItGoesOnWithNothingLost() {
        PartitionProcessor processor = open();
        processor.submit(workload.batch(0));
        processor.submit(workload.batch(1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == 2 * BATCH);

        volume.fill();
        for (int b = 2; b < 5; b++) {
            processor.submit(workload.batch(b));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        volume.failedCommits() >= 2 * ATTEMPTS || processor.lifecycle() != PartitionLifecycle.OPEN);
        assertThat(processor.lifecycle())
                .as("a full volume is no reason to give up the partition")
                .isEqualTo(PartitionLifecycle.OPEN);
        assertThat(deadLetters).as("no good record is dead-lettered").isEmpty();
        assertThat(processor.nextOffset()).as("never past what is not written").hasValue(2 * BATCH);
        assertThat(processor.volumeTrouble())
                .hasValueSatisfying(trouble -> assertThat(trouble).contains("No space left on device"));
        assertThat(processor.retrying())
                .hasValueSatisfying(what -> assertThat(what).contains("state volume is full"));
        assertThat(workload.unwritable(registry)).isEqualTo(1.0);

        volume.free();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> processor.nextOffset().orElse(0) == 5 * BATCH);
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
        assertThat(processor.volumeTrouble()).as("writable again").isEmpty();
        assertThat(processor.retrying()).isEmpty();
        assertThat(workload.unwritable(registry)).isZero();
        assertThat(deadLetters).isEmpty();
        workload.assertEveryUser(processor, 5);
        assertThat(warnings)
                .as("one warning for the whole outage, not one per record or attempt")
                .hasSize(1)
                .first()
                .satisfies(warning -> assertThat(warning.getMessage()).contains("full"));
        processor.close(Duration.ofSeconds(10), false);
    }

    @Test
    void anIoErrorOnReadsFailsThePartitionCleanlyAndTheRestartGoesOnFromTheStoredState() {
        PartitionProcessor processor = open(0);
        processor.submit(workload.batch(0));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == BATCH);

        volume.failReads(ATTEMPTS + 1);
        processor.submit(workload.batch(1));
        processor.submit(workload.batch(2));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> processor.lifecycle() == PartitionLifecycle.FAILED
                        || processor.nextOffset().orElse(0) == 3 * BATCH);
        assertThat(volume.failedReads()).isGreaterThanOrEqualTo(ATTEMPTS);
        assertThat(deadLetters)
                .as("a record read from a failing volume is not a poison record")
                .isEmpty();
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.FAILED);
        assertThat(processor.failure()).isInstanceOf(StorageUnavailableException.class);
        assertThat(processor.nextOffset()).as("never past what is not written").hasValue(BATCH);
        processor.close(Duration.ofSeconds(10), false);

        // The restart: the consumer is positioned at the stored offset and the records come again.
        PartitionProcessor restarted = open(0);
        assertThat(restarted.nextOffset()).hasValue(BATCH);
        restarted.submit(workload.batch(1));
        restarted.submit(workload.batch(2));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> restarted.nextOffset().orElse(0) == 3 * BATCH);
        assertThat(deadLetters).isEmpty();
        workload.assertEveryUser(restarted, 3);
        restarted.close(Duration.ofSeconds(10), false);
    }
}
