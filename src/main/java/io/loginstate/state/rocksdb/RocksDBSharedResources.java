package io.loginstate.state.rocksdb;

import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Native memory shared by every partition's RocksDB instance of this process: one block cache and
 * one write-buffer budget charged to it, so memory stays bounded whatever the number of partitions.
 */
public final class RocksDBSharedResources implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    private final Cache blockCache;
    private final WriteBufferManager writeBufferManager;
    private boolean closed;

    public RocksDBSharedResources(long blockCacheBytes, long writeBufferBytes) {
        this.blockCache = new LRUCache(blockCacheBytes);
        this.writeBufferManager = new WriteBufferManager(writeBufferBytes, blockCache);
    }

    Cache blockCache() {
        return blockCache;
    }

    WriteBufferManager writeBufferManager() {
        return writeBufferManager;
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
    }
}
