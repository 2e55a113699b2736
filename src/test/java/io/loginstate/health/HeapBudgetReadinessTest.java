package io.loginstate.health;

import static io.loginstate.health.CountingPartitions.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.heap.HeapStore;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * Readiness is DOWN, naming the partition and the budget, while a heap partition's commits are
 * refused by the instance's heap state budget; liveness stays UP (a restart frees no budget); both
 * turn back once another partition gives its bytes back.
 */
class HeapBudgetReadinessTest {

    @Test
    void downWhileTheHeapBudgetIsSpentUpOnceItHasRoomAgain() {
        HeapBudget budget = new HeapBudget(1 << 16);
        try (CountingPartitions partitions =
                new CountingPartitions((partition, tables) -> HeapStore.open(partition.toString(), tables, budget))) {
            PartitionProcessor processor = partitions.open();
            assertThat(partitions.readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

            HeapStore other = HeapStore.open("logins-1", List.of("t"), budget);
            other.table("t").put(new byte[] {1}, new byte[(int) (budget.maxBytes() - budget.usedBytes()) - 100]);
            other.commit(1);
            processor.submit(batch(0));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> processor.retrying().orElse("").contains("(attempt 4)"));
            partitions.assertUnwritable("heap state budget is spent");

            other.close();
            partitions.assertWritableAgain(processor);
        }
    }
}
