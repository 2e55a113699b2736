package io.loginstate.state.store;

import java.nio.file.Path;
import java.util.Collection;
import java.util.OptionalLong;

/**
 * Plain byte-level state of one partition: named tables, a meta table, and the input position the
 * state reflects. Writes are staged in a transaction and become visible to other threads, and
 * durable, together with the position in {@link #commit}. The backend knows nothing about TTL.
 * One thread writes at a time; {@link #committedTable} may be read from any thread.
 */
public interface ByteStore extends AutoCloseable {

    /** Internal table for data about the state itself (positions, watermarks, markers). */
    String META_TABLE = "_meta";

    String name();

    /** The table of that name; it must be one of the names the backend was created with. */
    ByteTable table(String tableName);

    /** A read-only view of what is committed, for readers on other threads. */
    ByteTable committedTable(String tableName);

    Collection<String> tableNames();

    OptionalLong position();

    /** Makes staged writes durable-on-flush and visible, recording {@code position}. */
    void commit(long position);

    /** Changes handed over in one piece: each a value, or null for a delete. */
    @FunctionalInterface
    interface Changes {
        void forEach(ChangeSink sink);
    }

    @FunctionalInterface
    interface ChangeSink {
        void change(String table, byte[] key, byte[] valueOrNull);
    }

    /**
     * Writes {@code changes} (on top of anything staged) and the position in one atomic commit,
     * for a caller that kept its writes itself. Stores that can write them without staging them
     * first (RocksDB: a plain write batch) override this.
     */
    default void commit(long position, Changes changes) {
        changes.forEach((table, key, value) -> {
            if (value == null) {
                table(table).delete(key);
            } else {
                table(table).put(key, value);
            }
        });
        commit(position);
    }

    /** Drops staged writes. */
    void abort();

    /**
     * Rewrites the files holding {@code from <= key < to} of the table so that deleted entries
     * leave every file of the backend. Returns when done.
     */
    void purgeDeleted(String tableName, byte[] from, byte[] to);

    /** Writes a consistent copy of the committed state to {@code target} (which must not exist). */
    void snapshot(Path target);

    /**
     * Writes a consistent copy of the committed state to {@code target} from any thread, while
     * commits go on: the copy ends at some batch boundary, which the returned info names. Must not
     * overlap {@link #close}.
     *
     * @throws UnsupportedOperationException if the backend can only snapshot from its writer thread
     */
    default StoreSnapshot snapshotConcurrently(Path target) {
        throw new UnsupportedOperationException(name() + " takes snapshots only between transactions");
    }

    /** Directory of the backend's files, if it has any. */
    Path directory();

    @Override
    void close();
}
