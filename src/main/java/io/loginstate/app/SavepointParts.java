package io.loginstate.app;

import io.loginstate.savepoint.PartExporter;
import io.loginstate.state.StateExport;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.store.ByteStore;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * Writes a partition's savepoint part from a snapshot of its state: the snapshot is opened as a
 * store of the configured backend and exported by {@link StateExport} (the logical records of
 * docs/SAVEPOINT-FORMAT.md, expired entries left out), so a part restores into either backend.
 */
final class SavepointParts implements PartExporter {

    private final PartitionStores stores;
    private final List<String> tableNames;
    private final StateExport exporter;

    SavepointParts(PartitionStores stores, List<String> tableNames, StateExport exporter) {
        this.stores = stores;
        this.tableNames = tableNames;
        this.exporter = exporter;
    }

    @Override
    public PartResult export(
            String topic, int partition, StateSnapshot snapshot, OutputStream out, Map<String, String> properties) {
        try (ByteStore store = stores.open(
                "savepoint export of " + topic + "-" + partition, snapshot.directory(), tableNames, false)) {
            StateExport.Summary summary = exporter.export(store, out, properties);
            return new PartResult(summary.portable().records(), summary.properties());
        }
    }
}
