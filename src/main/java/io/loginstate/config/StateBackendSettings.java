package io.loginstate.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Optional;

/** Which store holds each partition's state ({@code login-state.state.*}). */
public interface StateBackendSettings {

    /**
     * {@code rocksdb}: one RocksDB per partition on the state volume, kept across restarts;
     * {@code heap}: sorted trees on the Java heap within {@code heap.max-bytes}, restored from the
     * latest checkpoint on every open (nothing is kept on the volume but checkpoint snapshots in
     * flight).
     */
    @WithDefault("rocksdb")
    String backend();

    Heap heap();

    /** The heap backend. */
    interface Heap {
        /**
         * Byte budget of all heap state of the instance (keys, values and 78 bytes accounted per
         * entry, above the 72 measured), shared by its partitions; a partition whose commit would
         * go over it holds its input and retries, readiness DOWN, until state shrinks. Absent: 40%
         * of the maximum heap ({@code -Xmx}). At most 75% of the maximum heap: the rest is headroom
         * for snapshots in progress, the write-back buffers, the Kafka clients and garbage.
         */
        @WithName("max-bytes")
        Optional<Long> maxBytes();
    }
}
