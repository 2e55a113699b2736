package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.login.LoginApplication;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local state of partitions that left an instance is deleted once they have been away for the
 * retention, on real RocksDB directories, driven by a manual clock; partitions open, opening or
 * returned keep theirs.
 */
class KeptStateJanitorTest {

    private static final Duration RETENTION = Duration.ofMinutes(30);
    private static final TopicPartition P0 = new TopicPartition("logins", 0);
    private static final TopicPartition P1 = new TopicPartition("logins", 1);
    private static final TopicPartition P2 = new TopicPartition("logins", 2);

    @TempDir
    Path stateDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private PartitionAssembly assembly;
    private ProcessorRegistry registry;

    @BeforeEach
    void keptFiles() throws Exception {
        assembly = new PartitionAssembly(
                stateDir,
                KeyedStateBackendBuilder.of(application.stateDescriptors())
                        .clock(clock)
                        .cleanup(new TtlCleanupSettings(1000, RETENTION.multipliedBy(2))),
                rocks,
                application,
                null);
        for (TopicPartition partition : List.of(P0, P1, P2)) {
            PartitionOpener.Opened opened = assembly.open(partition, 1);
            opened.state().commit(100 + partition.partition());
            opened.state().close();
        }
        Files.writeString(stateDir.resolve("logins-2.failures"), "2 102\n");
        Files.createDirectories(stateDir.resolve(PartitionFiles.LOCAL_SNAPSHOTS).resolve("logins-2"));
        Files.createDirectories(stateDir.resolve("savepoints").resolve("logins-7"));
        Files.createDirectories(stateDir.resolve(PartitionFiles.MOVED_ASIDE)
                .resolve("logins-9.17")
                .resolve("state"));
        registry = new ProcessorRegistry(
                assembly,
                RegistrySettings.forTests(RETENTION),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()),
                clock);
    }

    @AfterEach
    void close() {
        if (registry != null) {
            registry.stop();
        }
        rocks.close();
    }

    @Test
    void filesOfPartitionsAwayForTheRetentionAreDeletedAndOthersKept() {
        assertThat(registry.discardKeptState())
                .as("nothing before the first assignment")
                .isEmpty();
        clock.advance(RETENTION.multipliedBy(3));
        assertThat(registry.discardKeptState())
                .as("still nothing before the first assignment")
                .isEmpty();
        assertThat(kept(P1)).isTrue();

        registry.open(List.of(P0), 2);
        registry.discardKeptState();
        assertThat(stateDir.resolve(PartitionFiles.MOVED_ASIDE))
                .as("files an earlier process moved aside and did not delete")
                .doesNotExist();
        clock.advance(RETENTION.minusMillis(1));
        registry.discardKeptState();
        assertThat(kept(P1)).as("away for less than the retention").isTrue();
        assertThat(kept(P2)).isTrue();

        registry.open(List.of(P1), 2);
        clock.advance(Duration.ofMillis(1));
        registry.discardKeptState();
        assertThat(kept(P2)).as("away for the retention").isFalse();
        assertThat(stateDir.resolve("logins-2.failures")).doesNotExist();
        assertThat(stateDir.resolve(PartitionFiles.LOCAL_SNAPSHOTS).resolve("logins-2"))
                .doesNotExist();
        assertThat(kept(P1)).as("returned before the retention ran out").isTrue();
        assertThat(kept(P0)).as("open all along").isTrue();
        assertThat(stateDir.resolve("savepoints").resolve("logins-7"))
                .as("not a partition's state")
                .exists();

        registry.close(List.of(P1));
        clock.advance(RETENTION.minusMillis(1));
        registry.discardKeptState();
        assertThat(kept(P1))
                .as("away since its revocation, not since the start")
                .isTrue();
        clock.advance(Duration.ofMillis(1));
        registry.discardKeptState();
        assertThat(kept(P1)).isFalse();
        assertThat(kept(P0)).isTrue();
        assertThat(registry.processor(P0).orElseThrow().nextOffset()).hasValue(100);

        List<PartitionProcessorView> reopened = registry.open(List.of(P1, P2), 3).stream()
                .map(processor -> new PartitionProcessorView(
                        processor.partition(), processor.nextOffset().isPresent()))
                .toList();
        assertThat(reopened)
                .as("a partition whose kept state was deleted starts from its checkpoint, here none")
                .containsExactlyInAnyOrder(
                        new PartitionProcessorView(P1, false), new PartitionProcessorView(P2, false));
    }

    @Test
    void aSlowDeletionDoesNotHoldUpOpeningAPartition() throws Exception {
        CountDownLatch deleting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean slow = new AtomicBoolean();
        PartitionOpener slowDeletes = new PartitionOpener() {
            @Override
            public Opened open(TopicPartition partition, long epoch) {
                return assembly.open(partition, epoch);
            }

            @Override
            public Opened open(TopicPartition partition, long epoch, int partitionCount) {
                return assembly.open(partition, epoch, partitionCount);
            }

            @Override
            public Set<TopicPartition> keptPartitions() {
                return assembly.keptPartitions();
            }

            @Override
            public void discard(TopicPartition partition) {
                assembly.discard(partition);
            }

            @Override
            public void deleteDiscarded() {
                if (slow.get()) {
                    deleting.countDown();
                    await(release);
                }
                assembly.deleteDiscarded();
            }
        };
        registry.stop();
        registry = new ProcessorRegistry(
                slowDeletes,
                RegistrySettings.forTests(RETENTION),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()),
                clock);
        registry.open(List.of(P0), 2);
        registry.discardKeptState();
        clock.advance(RETENTION);
        slow.set(true);
        try {
            CompletableFuture<List<TopicPartition>> sweep = CompletableFuture.supplyAsync(registry::discardKeptState);
            assertThat(deleting.await(10, TimeUnit.SECONDS)).isTrue();
            List<PartitionProcessorView> reopened = CompletableFuture.supplyAsync(
                            () -> registry.open(List.of(P1), 3).stream()
                                    .map(processor -> new PartitionProcessorView(
                                            processor.partition(),
                                            processor.nextOffset().isPresent()))
                                    .toList())
                    .get(10, TimeUnit.SECONDS);
            assertThat(reopened)
                    .as("opened while the kept files are still being deleted, and without them")
                    .containsExactly(new PartitionProcessorView(P1, false));
            release.countDown();
            assertThat(sweep.get(10, TimeUnit.SECONDS)).containsExactlyInAnyOrder(P1, P2);
            assertThat(kept(P2)).isFalse();
            assertThat(kept(P1)).as("the reopened partition's new state").isTrue();
            assertThat(stateDir.resolve(PartitionFiles.MOVED_ASIDE)).doesNotExist();
        } finally {
            release.countDown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record PartitionProcessorView(TopicPartition partition, boolean hasPosition) {}

    private boolean kept(TopicPartition partition) {
        return Files.exists(stateDir.resolve(partition.topic() + "-" + partition.partition()));
    }
}
