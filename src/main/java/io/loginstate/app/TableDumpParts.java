package io.loginstate.app;

import io.loginstate.savepoint.PartExporter;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Savepoint parts as a raw dump of every byte table of a RocksDB snapshot (the meta table included,
 * the position left out: the import commits at the part's next offset), and their import into an
 * empty store. Expired entries are not dropped on import: the snapshot was drained of them when it
 * was taken. The one place parts are encoded and decoded: the state package's logical export and
 * import replace this class.
 */
final class TableDumpParts implements PartExporter {

    static final String FORMAT_PROPERTY = "part.format";
    static final String FORMAT = "raw-tables-1";
    private static final byte[] POSITION_KEY = "position".getBytes(StandardCharsets.UTF_8);
    private static final int SCAN_BATCH = 1_000;
    private static final int IMPORT_COMMIT_EVERY = 10_000;

    private final List<String> tableNames;
    private final List<StateDescriptor<?>> descriptors;
    private final RocksDBSharedResources rocks;

    TableDumpParts(List<String> tableNames, List<StateDescriptor<?>> descriptors, RocksDBSharedResources rocks) {
        this.tableNames = tableNames;
        this.descriptors = descriptors;
        this.rocks = rocks;
    }

    @Override
    public PartResult export(
            String topic, int partition, StateSnapshot snapshot, OutputStream out, Map<String, String> properties) {
        Map<String, String> header = new TreeMap<>(properties);
        header.put(FORMAT_PROPERTY, FORMAT);
        for (StateDescriptor<?> descriptor : descriptors) {
            header.put("state." + descriptor.name(), describe(descriptor));
        }
        try (RocksDBStore store = RocksDBStore.open(
                "savepoint export of " + topic + "-" + partition, snapshot.directory(), tableNames, rocks)) {
            List<String> tables = new ArrayList<>(store.tableNames());
            tables.sort(String::compareTo);
            PortableWriter writer = new PortableWriter(out, tables, header);
            for (int i = 0; i < tables.size(); i++) {
                boolean meta = tables.get(i).equals(ByteStore.META_TABLE);
                ByteTable table = store.committedTable(tables.get(i));
                byte[] from = new byte[0];
                while (true) {
                    List<Map.Entry<byte[], byte[]>> entries = table.scan(from, null, SCAN_BATCH);
                    for (Map.Entry<byte[], byte[]> entry : entries) {
                        if (!(meta && Arrays.equals(entry.getKey(), POSITION_KEY))) {
                            writer.write(i, entry.getKey(), null, entry.getValue());
                        }
                    }
                    if (entries.size() < SCAN_BATCH) {
                        break;
                    }
                    from = successor(entries.get(entries.size() - 1).getKey());
                }
            }
            return new PartResult(writer.finish().records(), header);
        }
    }

    private static String describe(StateDescriptor<?> descriptor) {
        return descriptor.kind().name().toLowerCase(Locale.ROOT)
                + (descriptor.keySerializer() == null
                        ? ""
                        : ";key=" + descriptor.keySerializer().getClass().getName())
                + ";value=" + descriptor.valueSerializer().getClass().getName()
                + (descriptor.ttl().isPresent() ? ";ttl" : "");
    }

    private static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /**
     * Imports a verified part into a new store at {@code target} (which must not exist): written
     * beside it and moved into place once committed at the part's next offset, so a crash midway
     * never leaves a partial state that looks like a committed one. Returns the records imported.
     */
    long importInto(Path part, String source, Path target, long nextOffset) {
        Path staging = target.resolveSibling(target.getFileName() + ".savepoint-import");
        Directories.deleteRecursively(staging);
        long records = 0;
        try (InputStream in = Files.newInputStream(part);
                PortableReader reader = new PortableReader(in, source);
                RocksDBStore store = RocksDBStore.open("savepoint import " + source, staging, tableNames, rocks)) {
            if (!FORMAT.equals(reader.properties().get(FORMAT_PROPERTY))) {
                throw new IllegalStateException(
                        source + " is of part format " + reader.properties().get(FORMAT_PROPERTY) + ", not " + FORMAT);
            }
            String stated = reader.properties().get("next-offset");
            if (!Long.toString(nextOffset).equals(stated)) {
                throw new IllegalStateException(
                        source + " says next offset " + stated + ", its manifest " + nextOffset);
            }
            for (String table : reader.tables()) {
                if (!store.tableNames().contains(table)) {
                    throw new IllegalStateException(source + " holds table '" + table + "', which this state has not");
                }
            }
            while (reader.next()) {
                store.table(reader.tableName()).put(reader.key(), reader.value());
                if (++records % IMPORT_COMMIT_EVERY == 0) {
                    store.commit(nextOffset);
                }
            }
            store.commit(nextOffset);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot import " + source, e);
        }
        try {
            Directories.deleteRecursively(target);
            Files.move(staging, target);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move the imported state into " + target, e);
        }
        return records;
    }
}
