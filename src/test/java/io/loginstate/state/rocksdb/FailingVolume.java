package io.loginstate.state.rocksdb;

import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.StoreSnapshot;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * A real RocksDB store whose volume fails on demand, at the backend seam: while {@link #fill}ed,
 * every commit fails as RocksDB fails on a full volume (status {@code IOError}, sub-code {@code
 * NoSpace}) and writes nothing; {@link #failReads} makes the next reads of the writer's tables fail
 * with a plain I/O error. Each failure goes through the store's own translation of RocksDB errors.
 * Readers on other threads ({@link #committedTable}) are unaffected, as they are on a full disk.
 */
public final class FailingVolume implements ByteStore {

    private final RocksDBStore inner;
    private volatile boolean full;
    private final AtomicInteger failingReads = new AtomicInteger();
    private final AtomicInteger failedCommits = new AtomicInteger();
    private final AtomicInteger failedReads = new AtomicInteger();

    public FailingVolume(RocksDBStore inner) {
        this.inner = inner;
    }

    /** From now on every commit fails: no space left on the volume. */
    public void fill() {
        full = true;
    }

    /** Space is back: commits succeed again. */
    public void free() {
        full = false;
    }

    /** The next {@code count} reads of the writer's tables fail with an I/O error. */
    public void failReads(int count) {
        failingReads.set(count);
    }

    public int failedCommits() {
        return failedCommits.get();
    }

    public int failedReads() {
        return failedReads.get();
    }

    private void checkSpace(long position) {
        if (full) {
            failedCommits.incrementAndGet();
            String message =
                    "While appending to file: " + inner.directory().resolve("000012.sst") + ": No space left on device";
            throw RocksDBFailures.of(
                    inner.name(),
                    "commit a batch at position " + position,
                    new RocksDBException(message, new Status(Status.Code.IOError, Status.SubCode.NoSpace, message)));
        }
    }

    private void checkRead(String table) {
        if (failingReads.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            failedReads.incrementAndGet();
            String message = "While pread offset 4096 len 4096: "
                    + inner.directory().resolve("000009.sst") + ": Input/output error";
            throw RocksDBFailures.of(
                    inner.name(),
                    "get from " + table,
                    new RocksDBException(message, new Status(Status.Code.IOError, Status.SubCode.None, message)));
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public ByteTable table(String tableName) {
        ByteTable table = inner.table(tableName);
        return new ByteTable() {
            @Override
            public String name() {
                return table.name();
            }

            @Override
            public byte[] get(byte[] key) {
                checkRead(tableName);
                return table.get(key);
            }

            @Override
            public void put(byte[] key, byte[] value) {
                table.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                table.delete(key);
            }

            @Override
            public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
                return table.scan(from, to, limit);
            }
        };
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return inner.committedTable(tableName);
    }

    @Override
    public Collection<String> tableNames() {
        return inner.tableNames();
    }

    @Override
    public OptionalLong position() {
        return inner.position();
    }

    @Override
    public void commit(long position) {
        checkSpace(position);
        inner.commit(position);
    }

    @Override
    public void commit(long position, Changes changes) {
        checkSpace(position);
        inner.commit(position, changes);
    }

    @Override
    public void abort() {
        inner.abort();
    }

    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        inner.purgeDeleted(tableName, from, to);
    }

    @Override
    public void snapshot(Path target) {
        inner.snapshot(target);
    }

    @Override
    public StoreSnapshot snapshotConcurrently(Path target) {
        return inner.snapshotConcurrently(target);
    }

    @Override
    public Path directory() {
        return inner.directory();
    }

    @Override
    public void close() {
        inner.close();
    }
}
