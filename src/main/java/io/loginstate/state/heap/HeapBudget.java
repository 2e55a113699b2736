package io.loginstate.state.heap;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The byte budget of all heap state of the instance, shared by the {@link HeapStore} of every
 * partition: keys, values and {@link HeapStore#ENTRY_OVERHEAD} per entry of the committed state. A
 * commit that would take more is refused ({@link HeapBudgetExceededException}) and nothing of it is
 * applied, so a partition over budget stalls and retries instead of the JVM running out of heap.
 * Growth is refused; shrinking never is, so deletes, TTL cleanup and closed partitions give room back.
 */
public final class HeapBudget {

    private static final Logger LOG = Logger.getLogger(HeapBudget.class);

    /** The share of the maximum heap given to state when no budget is configured. */
    public static final double DEFAULT_HEAP_FRACTION = 0.4;

    private final long maxBytes;
    private final AtomicLong usedBytes = new AtomicLong();
    private final AtomicBoolean spent = new AtomicBoolean();

    public HeapBudget(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("A heap state budget must be positive, not " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** No limit: for tests and tools. */
    public static HeapBudget unlimited() {
        return new HeapBudget(Long.MAX_VALUE);
    }

    /** {@value #DEFAULT_HEAP_FRACTION} of {@code maxHeapBytes} ({@link Runtime#maxMemory()}). */
    public static long defaultMaxBytes(long maxHeapBytes) {
        return (long) (maxHeapBytes * DEFAULT_HEAP_FRACTION);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long usedBytes() {
        return usedBytes.get();
    }

    /**
     * Takes {@code bytes} more (a negative amount gives bytes back and always succeeds); false,
     * taking nothing, if that would go over the budget. The first refusal after the budget had room
     * is logged, and so is the first grant after it.
     */
    boolean tryTake(long bytes) {
        if (bytes <= 0) {
            usedBytes.addAndGet(bytes);
            return true;
        }
        long used;
        do {
            used = usedBytes.get();
            if (used + bytes > maxBytes || used + bytes < 0) {
                if (spent.compareAndSet(false, true)) {
                    LOG.errorf(
                            "Heap state budget spent: %d of %d bytes in use, a commit needs %d more; partitions that"
                                    + " grow hold their input and retry until state shrinks (TTL expiry, a partition"
                                    + " moving away) or login-state.state.heap.max-bytes is raised",
                            used, maxBytes, bytes);
                }
                return false;
            }
        } while (!usedBytes.compareAndSet(used, used + bytes));
        if (spent.compareAndSet(true, false)) {
            LOG.infof("Heap state budget has room again: %d of %d bytes in use", used + bytes, maxBytes);
        }
        return true;
    }

    void give(long bytes) {
        usedBytes.addAndGet(-bytes);
    }
}
