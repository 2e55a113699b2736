package io.loginstate.state.rocksdb;

import org.rocksdb.Cache;
import org.rocksdb.Env;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileManager;
import org.rocksdb.WriteBufferManager;

/**
 * Native resources shared by every partition's RocksDB instance of this process: one block cache
 * and one write-buffer budget charged to it, so memory stays bounded whatever the number of
 * partitions; and one SST file manager, which is what lets RocksDB recover by itself from a full
 * volume. Without it, a flush that runs out of space leaves the database refusing every write
 * (its "background error") until it is reopened, even once space is back; with it, RocksDB polls
 * the free space and resumes, keeping its unflushed writes.
 */
public final class RocksDBSharedResources implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    private final Cache blockCache;
    private final WriteBufferManager writeBufferManager;
    private final SstFileManager sstFileManager;
    private boolean closed;

    public RocksDBSharedResources(long blockCacheBytes, long writeBufferBytes) {
        this.blockCache = new LRUCache(blockCacheBytes);
        this.writeBufferManager = new WriteBufferManager(writeBufferBytes, blockCache);
        try {
            this.sstFileManager = new SstFileManager(Env.getDefault());
        } catch (RocksDBException e) {
            writeBufferManager.close();
            blockCache.close();
            throw new IllegalStateException("RocksDB could not create its SST file manager", e);
        }
    }

    Cache blockCache() {
        return blockCache;
    }

    WriteBufferManager writeBufferManager() {
        return writeBufferManager;
    }

    SstFileManager sstFileManager() {
        return sstFileManager;
    }

    /**
     * Bytes held by the shared block cache now: cached blocks, pinned index and filter blocks, and
     * the memtables charged to it by the write-buffer budget; 0 once closed. It can exceed the
     * cache's capacity, which is not a strict limit.
     */
    public synchronized long blockCacheUsage() {
        return closed ? 0 : blockCache.getUsage();
    }

    /** Closes the shared handles; every store using them must be closed first. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The manager holds a reference to the cache: release it before the cache.
        writeBufferManager.close();
        blockCache.close();
        sstFileManager.close();
    }
}
