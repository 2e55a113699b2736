package io.loginstate.state.heap;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How many heap bytes an entry of the heap store really takes besides its key and value bytes,
 * measured: the used heap after a full GC, before and after committing N entries. The budget's
 * accounting ({@link HeapStore#ENTRY_OVERHEAD}) must not count less than that, or a budget
 * would let the state grow past the heap it was meant to leave; nor much more, or it would waste
 * the heap. The figure is printed.
 */
class HeapStoreFootprintTest {

    private static final int ENTRIES = 600_000;

    @Test
    void theAccountedBytesPerEntryCoverWhatTheHeapReallyHolds() {
        // Keys of 12 bytes and values of 21: padded arrays, as the service's keys and values are.
        long before = usedAfterGc();
        HeapStore store = new HeapStore("footprint", List.of("t"));
        long keyAndValueBytes = 0;
        for (int i = 0; i < ENTRIES; i++) {
            byte[] key = String.format("user-%07d", i).getBytes(StandardCharsets.UTF_8);
            byte[] value = new byte[21];
            value[0] = (byte) i;
            store.table("t").put(key, value);
            keyAndValueBytes += key.length + value.length;
            if (i % 10_000 == 9_999) {
                store.commit(i);
            }
        }
        store.commit(ENTRIES);
        long after = usedAfterGc();
        double measured = (after - before - keyAndValueBytes) / (double) ENTRIES;
        System.out.printf(
                "HeapStore footprint: %.1f heap bytes per entry besides key and value (accounted: %d), %d entries,"
                        + " %d bytes accounted, %d measured%n",
                measured, HeapStore.ENTRY_OVERHEAD, ENTRIES, store.bytes(), after - before);
        assertThat(store.bytes())
                .as("accounted")
                .isEqualTo(keyAndValueBytes + (long) ENTRIES * HeapStore.ENTRY_OVERHEAD);
        assertThat((double) HeapStore.ENTRY_OVERHEAD)
                .as("the accounting covers the real overhead")
                .isGreaterThanOrEqualTo(measured - 2)
                .as("and does not waste much of the heap")
                .isLessThanOrEqualTo(measured * 1.25 + 4);
        store.close();
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Repeated until the figure settles: one call may leave garbage of finalisation or other threads.
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
