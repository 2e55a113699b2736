package io.loginstate.state.rocksdb;

import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.store.StoreSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * One partition's state in RocksDB: a column family per table, the meta table in the default
 * column family, and the position (next input offset) that the stored state reflects. Writes are
 * staged in an indexed write batch (so reads see them) and written with the position in one atomic
 * write: state and position cannot disagree, not even after a crash.
 *
 * <p>The write-ahead log is off: the input log is the source of truth. A crash loses the newest
 * unflushed writes of every table and the position together (atomic flush keeps the column
 * families in step), and processing resumes from the older position.
 *
 * <p>Physical deletion: the info log stays at WARN so it never names keys, and the MANIFEST (which
 * records the smallest and largest key of every file) starts afresh on every change, so after
 * {@link #purgeDeleted} no file of the directory holds a purged key.
 */
public final class RocksDBStore implements ByteStore {

    private static final byte[] POSITION_KEY = "position".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PURGE_MARKER_KEY = "purge-marker".getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final Path directory;
    private final RocksDBOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final Map<String, RocksDBTable> tables = new LinkedHashMap<>();
    private final Map<String, RocksDBTable> committedTables = new LinkedHashMap<>();
    private final RocksDBTable meta;
    private WriteBatchWithIndex batch;
    private long position = -1;
    /** Bytes of the last commit's encoded batch: where the next one starts its buffer. */
    private int lastBatchBytes = 4096;

    private boolean closed;

    private RocksDBStore(String name, Path directory, Collection<String> tableNames, RocksDBSharedResources shared) {
        this.name = name;
        this.directory = directory;
        this.options = new RocksDBOptions(shared);
        List<String> names = new ArrayList<>(new LinkedHashSet<>(tableNames));
        names.remove(META_TABLE);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, options.columnFamily));
        for (String table : names) {
            descriptors.add(new ColumnFamilyDescriptor(table.getBytes(StandardCharsets.UTF_8), options.columnFamily));
        }
        this.handles = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            this.db = RocksDB.open(options.db, directory.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            options.close();
            throw RocksDBFailures.of(name, "open at " + directory, e);
        } catch (IOException e) {
            options.close();
            throw new StateStoreException(name, "open at " + directory, e);
        }
        this.meta = table(META_TABLE, handles.get(0));
        tables.put(META_TABLE, meta);
        for (int i = 0; i < names.size(); i++) {
            tables.put(names.get(i), table(names.get(i), handles.get(i + 1)));
        }
        tables.forEach((tableName, table) -> committedTables.put(tableName, table.committedView()));
        this.position = readPosition();
    }

    private RocksDBTable table(String tableName, ColumnFamilyHandle handle) {
        return RocksDBTable.writable(name, tableName, handle, db, options.read, () -> batch, this::batch);
    }

    /**
     * Opens (creating if absent) the backend in {@code directory} with the given tables. Tables that
     * exist on disk but are not named are left untouched; RocksDB requires every existing column
     * family to be opened, so they are opened too.
     */
    public static RocksDBStore open(
            String name, Path directory, Collection<String> tableNames, RocksDBSharedResources shared) {
        List<String> all = new ArrayList<>(tableNames);
        for (String existing : existingTables(directory)) {
            if (!all.contains(existing)) {
                all.add(existing);
            }
        }
        return new RocksDBStore(name, directory, all, shared);
    }

    private static List<String> existingTables(Path directory) {
        if (!Files.exists(directory.resolve("CURRENT"))) {
            return List.of();
        }
        try (Options options = new Options()) {
            List<String> names = new ArrayList<>();
            for (byte[] family : RocksDB.listColumnFamilies(options, directory.toString())) {
                if (!Arrays.equals(family, RocksDB.DEFAULT_COLUMN_FAMILY)) {
                    names.add(new String(family, StandardCharsets.UTF_8));
                }
            }
            return names;
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(directory.toString(), "list its tables", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public ByteTable table(String tableName) {
        return require(tables.get(tableName), tableName);
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return require(committedTables.get(tableName), tableName);
    }

    private <T> T require(T table, String tableName) {
        if (table == null) {
            throw new IllegalArgumentException("State backend '" + name + "' has no table '" + tableName + "'");
        }
        return table;
    }

    @Override
    public Collection<String> tableNames() {
        return List.copyOf(tables.keySet());
    }

    @Override
    public OptionalLong position() {
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    private WriteBatchWithIndex batch() {
        if (batch == null) {
            batch = new WriteBatchWithIndex(true);
        }
        return batch;
    }

    @Override
    public void commit(long newPosition) {
        WriteBatchWithIndex writes = batch();
        try {
            writes.put(
                    meta.handle,
                    POSITION_KEY,
                    ByteBuffer.allocate(Long.BYTES).putLong(newPosition).array());
            db.write(options.write, writes);
            position = newPosition;
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "commit a batch at position " + newPosition, e);
        } finally {
            abort();
        }
    }

    /**
     * A plain write batch, without the index a staged transaction needs so that reads see it: the
     * caller holds its writes itself (the write-back cache) and hands them over only here.
     */
    @Override
    public void commit(long newPosition, Changes changes) {
        if (batch != null) {
            // Writes were staged as well: keep one atomic write by adding the changes to them.
            ByteStore.super.commit(newPosition, changes);
            return;
        }
        EncodedWriteBatch encoded = new EncodedWriteBatch(lastBatchBytes + lastBatchBytes / 8);
        changes.forEach((table, key, value) -> {
            int columnFamily = require(tables.get(table), table).columnFamilyId;
            if (value == null) {
                encoded.delete(columnFamily, key);
            } else {
                encoded.put(columnFamily, key, value);
            }
        });
        encoded.put(
                meta.columnFamilyId,
                POSITION_KEY,
                ByteBuffer.allocate(Long.BYTES).putLong(newPosition).array());
        lastBatchBytes = Math.min(Integer.MAX_VALUE / 2, encoded.size());
        try (WriteBatch writes = encoded.toWriteBatch()) {
            db.write(options.write, writes);
            position = newPosition;
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "commit a batch at position " + newPosition, e);
        }
    }

    @Override
    public void abort() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
    }

    /** Forces memtables of all tables to disk, atomically. */
    public void flush() {
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options, handles);
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "flush", e);
        }
    }

    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        RocksDBTable table = require(tables.get(tableName), tableName);
        try (CompactRangeOptions compaction = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)
                .setExclusiveManualCompaction(false)) {
            flush();
            db.compactRange(table.handle, from, to, compaction);
            // One more version edit after the compaction's starts a MANIFEST without the boundary
            // keys of the files the compaction replaced.
            db.put(
                    meta.handle,
                    options.write,
                    PURGE_MARKER_KEY,
                    ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime()).array());
            flush();
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "purge deleted entries of " + tableName, e);
        }
    }

    /**
     * A RocksDB checkpoint taken while the writer goes on committing. Each commit is one atomic
     * write batch and flushes are atomic across column families, so the checkpoint ends at a batch
     * boundary; which one is read back from the checkpoint (read-only open of its meta table).
     */
    @Override
    public StoreSnapshot snapshotConcurrently(Path target) {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "snapshot to " + target, e);
        }
        Map<String, byte[]> entries = new HashMap<>();
        try (Options options = new Options().setMaxOpenFiles(16).setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
                RocksDB snapshot = RocksDB.openReadOnly(options, target.toString());
                RocksIterator iterator = snapshot.newIterator()) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                entries.put(new String(iterator.key(), StandardCharsets.UTF_8), iterator.value());
            }
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "read the snapshot at " + target, e);
        }
        byte[] stored = entries.get(new String(POSITION_KEY, StandardCharsets.UTF_8));
        return new StoreSnapshot(stored == null ? -1 : ByteBuffer.wrap(stored).getLong(), entries);
    }

    @Override
    public void snapshot(Path target) {
        flush();
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "snapshot to " + target, e);
        }
    }

    /**
     * Reads every block of every table file the database lists and checks its checksum: damage
     * RocksDB would otherwise find only when a read reaches the block, or never.
     *
     * @return the bytes of the table files verified
     * @throws io.loginstate.state.store.CorruptStateException if a file is damaged
     */
    public long verifyChecksums() {
        try {
            db.verifyChecksum();
            return db.getLiveFilesMetaData().stream()
                    .mapToLong(LiveFileMetaData::size)
                    .sum();
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "verify the checksums of its table files", e);
        }
    }

    private long readPosition() {
        try {
            byte[] bytes = db.get(meta.handle, POSITION_KEY);
            return bytes == null ? -1 : ByteBuffer.wrap(bytes).getLong();
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(name, "read its position", e);
        }
    }

    /** Flushes and closes; idempotent. Staged writes are dropped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        abort();
        try {
            flush();
        } finally {
            // Column family handles must be released before the DB, and the DB before the options
            // it was opened with: RocksDB reads them until it is closed.
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
            options.close();
        }
    }
}
