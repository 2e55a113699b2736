package io.loginstate.state.heap;

import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.StateStoreException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * State in sorted in-memory maps, for unit tests and small experiments. Writes apply at once and
 * an undo log reverts them on {@link #abort}. Single-threaded: the committed view is the live map.
 * A snapshot is a file; {@link #restore} reads it back.
 */
public final class HeapStore implements ByteStore {

    private static final int SNAPSHOT_FORMAT = 1;

    private final String name;
    private final Map<String, HeapTable> tables = new LinkedHashMap<>();
    private final Deque<Runnable> undo = new ArrayDeque<>();
    private long position = -1;

    public HeapStore(String name, Collection<String> tableNames) {
        this.name = name;
        tables.put(META_TABLE, new HeapTable(META_TABLE));
        for (String table : tableNames) {
            tables.putIfAbsent(table, new HeapTable(table));
        }
    }

    /** A backend holding what {@link #snapshot} wrote, with at least the given tables. */
    public static HeapStore restore(String name, Path snapshot, Collection<String> tableNames) {
        HeapStore backend = new HeapStore(name, tableNames);
        try (InputStream file = Files.newInputStream(snapshot.resolve("state.bin"));
                DataInputStream in = new DataInputStream(new BufferedInputStream(file))) {
            if (in.readInt() != SNAPSHOT_FORMAT) {
                throw new IOException("unknown snapshot format");
            }
            backend.position = in.readLong();
            int tableCount = in.readInt();
            for (int t = 0; t < tableCount; t++) {
                String tableName = in.readUTF();
                HeapTable table = backend.tables.computeIfAbsent(tableName, n -> backend.new HeapTable(n));
                int entries = in.readInt();
                for (int i = 0; i < entries; i++) {
                    table.entries.put(readBytes(in), readBytes(in));
                }
            }
        } catch (IOException e) {
            throw new StateStoreException(name, "restore from " + snapshot, e);
        }
        return backend;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ByteTable table(String tableName) {
        HeapTable table = tables.get(tableName);
        if (table == null) {
            throw new IllegalArgumentException("State backend '" + name + "' has no table '" + tableName + "'");
        }
        return table;
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return table(tableName);
    }

    @Override
    public Collection<String> tableNames() {
        return List.copyOf(tables.keySet());
    }

    @Override
    public OptionalLong position() {
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    @Override
    public void commit(long newPosition) {
        position = newPosition;
        undo.clear();
    }

    @Override
    public void abort() {
        while (!undo.isEmpty()) {
            undo.pop().run();
        }
    }

    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        // Deleted entries are gone from memory at once; there are no files.
    }

    @Override
    public void snapshot(Path target) {
        try {
            Files.createDirectories(target);
            try (OutputStream file = Files.newOutputStream(target.resolve("state.bin"));
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file))) {
                out.writeInt(SNAPSHOT_FORMAT);
                out.writeLong(position);
                out.writeInt(tables.size());
                for (HeapTable table : tables.values()) {
                    out.writeUTF(table.tableName);
                    out.writeInt(table.entries.size());
                    for (Map.Entry<byte[], byte[]> entry : table.entries.entrySet()) {
                        writeBytes(out, entry.getKey());
                        writeBytes(out, entry.getValue());
                    }
                }
            }
        } catch (IOException e) {
            throw new StateStoreException(name, "snapshot to " + target, e);
        }
    }

    @Override
    public Path directory() {
        return null;
    }

    @Override
    public void close() {
        undo.clear();
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }

    private final class HeapTable implements ByteTable {
        final String tableName;
        final NavigableMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);

        HeapTable(String tableName) {
            this.tableName = tableName;
        }

        @Override
        public String name() {
            return tableName;
        }

        @Override
        public byte[] get(byte[] key) {
            return entries.get(key);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            remember(key, entries.put(key.clone(), value.clone()));
        }

        @Override
        public void delete(byte[] key) {
            remember(key, entries.remove(key));
        }

        private void remember(byte[] key, byte[] previous) {
            byte[] copy = key.clone();
            undo.push(previous == null ? () -> entries.remove(copy) : () -> entries.put(copy, previous));
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            NavigableMap<byte[], byte[]> range =
                    to == null ? entries.tailMap(from, true) : entries.subMap(from, true, to, false);
            List<Map.Entry<byte[], byte[]>> result = new ArrayList<>(Math.min(limit, range.size()));
            for (Map.Entry<byte[], byte[]> entry : range.entrySet()) {
                if (result.size() >= limit) {
                    break;
                }
                result.add(Map.entry(entry.getKey(), entry.getValue()));
            }
            return result;
        }
    }
}
