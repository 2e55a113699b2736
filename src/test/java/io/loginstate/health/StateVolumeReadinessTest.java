package io.loginstate.health;

import static io.loginstate.health.CountingPartitions.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.state.rocksdb.FailingVolume;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness is DOWN, naming the partition and RocksDB's message, while a partition's state volume
 * is full; liveness stays UP (a restart frees no space); both turn back once space returns.
 */
class StateVolumeReadinessTest {

    @TempDir
    Path dir;

    @Test
    void downWhileTheStateVolumeIsFullUpOnceSpaceReturns() {
        FailingVolume[] volume = {null};
        try (RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
                CountingPartitions partitions = new CountingPartitions((partition, tables) -> {
                    volume[0] = new FailingVolume(
                            RocksDBStore.open(partition.toString(), dir.resolve("logins-0"), tables, rocks));
                    return volume[0];
                })) {
            PartitionProcessor processor = partitions.open();
            assertThat(partitions.readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

            volume[0].fill();
            processor.submit(batch(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> volume[0].failedCommits() >= 4);
            partitions.assertUnwritable("No space left on device");

            volume[0].free();
            partitions.assertWritableAgain(processor);
        }
    }
}
