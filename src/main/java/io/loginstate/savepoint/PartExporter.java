package io.loginstate.savepoint;

import io.loginstate.state.api.StateSnapshot;
import java.io.OutputStream;
import java.util.Map;

/**
 * Writes one partition's state, as a committed snapshot holds it, to a part in the portable format
 * ({@code io.loginstate.state.portable}). Implemented by the composition root, which knows the
 * state backend; nothing here knows RocksDB.
 */
public interface PartExporter {

    /** What a part holds: its records and the header properties written (state descriptors included). */
    record PartResult(long records, Map<String, String> properties) {}

    /**
     * Writes the part of {@code topic}-{@code partition} from {@code snapshot} (position and
     * watermark are the snapshot's) to {@code out}, which is not closed; {@code properties} go into
     * the part's header along with the exporter's own.
     */
    PartResult export(
            String topic, int partition, StateSnapshot snapshot, OutputStream out, Map<String, String> properties);
}
