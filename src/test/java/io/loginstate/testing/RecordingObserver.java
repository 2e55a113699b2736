package io.loginstate.testing;

import io.loginstate.processing.ProcessingObserver;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Records every applied batch (partition, offsets, thread). When armed, the first batch to start
 * waits inside the batch until a batch of another partition starts too: if partitions were applied
 * one after another, that never happens and the overlap is not observed.
 */
@Singleton
public class RecordingObserver implements ProcessingObserver {

    public record Batch(int partition, long firstOffset, long lastOffset, String thread) {}

    private final Map<Integer, List<Batch>> batches = new ConcurrentHashMap<>();
    private final Set<Integer> active = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch overlap = new CountDownLatch(0);
    private volatile boolean armed;
    private volatile boolean overlapObserved;

    public void armOverlapProbe() {
        overlap = new CountDownLatch(1);
        overlapObserved = false;
        armed = true;
    }

    public boolean overlapObserved() {
        return overlapObserved;
    }

    public List<Batch> batches(int partition) {
        return batches.getOrDefault(partition, List.of());
    }

    @Override
    public void batchStarted(TopicPartition partition, long firstOffset, long lastOffset) {
        batches.computeIfAbsent(partition.partition(), p -> new CopyOnWriteArrayList<>())
                .add(new Batch(
                        partition.partition(),
                        firstOffset,
                        lastOffset,
                        Thread.currentThread().getName()));
        active.add(partition.partition());
        if (!armed) {
            return;
        }
        if (active.size() >= 2) {
            overlapObserved = true;
            armed = false;
            overlap.countDown();
            return;
        }
        try {
            overlap.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void batchApplied(TopicPartition partition, long firstOffset, long lastOffset) {
        active.remove(partition.partition());
    }
}
