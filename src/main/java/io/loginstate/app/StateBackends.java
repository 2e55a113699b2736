package io.loginstate.app;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.config.StateBackendSettings;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;

/** The partition stores of the backend {@code login-state.state.backend} names. */
final class StateBackends {

    static final String BACKEND_KEY = "login-state.state.backend";
    static final String HEAP_MAX_BYTES_KEY = "login-state.state.heap.max-bytes";
    /** The largest share of the maximum heap a configured heap budget may take. */
    static final double MAX_HEAP_FRACTION = 0.75;

    private static final List<String> NAMES = List.of("heap", "rocksdb");

    private StateBackends() {}

    /**
     * The stores the configuration names; an unknown name, or a heap budget that leaves too little
     * of {@code maxHeapBytes}, stops startup.
     */
    static PartitionStores create(
            StateBackendSettings settings, LoginStateConfig.RocksDb rocksdb, MeterRegistry meters, long maxHeapBytes) {
        return switch (settings.backend().trim().toLowerCase(Locale.ROOT)) {
            case "rocksdb" -> rocksdb(rocksdb, meters);
            case "heap" -> new HeapPartitionStores(new HeapBudget(heapBudget(settings.heap(), maxHeapBytes)), meters);
            default ->
                throw new IllegalArgumentException(
                        BACKEND_KEY + " is '" + settings.backend() + "'; it must be one of " + NAMES);
        };
    }

    private static RocksDBPartitionStores rocksdb(LoginStateConfig.RocksDb rocksdb, MeterRegistry meters) {
        RocksDBSharedResources shared = new RocksDBSharedResources(rocksdb.blockCacheSize(), rocksdb.writeBufferSize());
        Gauge.builder("login_state.rocksdb.memory", shared, RocksDBSharedResources::blockCacheUsage)
                .baseUnit("bytes")
                .tag("kind", "block-cache")
                .description("Bytes in the block cache shared by every partition's RocksDB, including the"
                        + " memtables charged to it; may exceed its capacity, which is not strict")
                .register(meters);
        return new RocksDBPartitionStores(shared, rocksdb.verifyOnOpen());
    }

    /** The configured budget, or {@link HeapBudget#DEFAULT_HEAP_FRACTION} of the maximum heap. */
    static long heapBudget(StateBackendSettings.Heap heap, long maxHeapBytes) {
        if (heap.maxBytes().isEmpty()) {
            return HeapBudget.defaultMaxBytes(maxHeapBytes);
        }
        long configured = heap.maxBytes().get();
        long limit = (long) (maxHeapBytes * MAX_HEAP_FRACTION);
        if (configured <= 0 || configured > limit) {
            throw new IllegalArgumentException(HEAP_MAX_BYTES_KEY + " is " + configured + "; it must be positive and at"
                    + " most " + (int) (MAX_HEAP_FRACTION * 100) + "% of the maximum heap (" + limit + " of "
                    + maxHeapBytes + " bytes), leaving room for snapshots in progress, buffers and garbage;"
                    + " raise -Xmx or lower the budget");
        }
        return configured;
    }
}
