package io.loginstate.state;

import org.rocksdb.ColumnFamilyHandle;

/** A named key space of a {@link PartitionStore} (a RocksDB column family). */
public final class StoreTable {

    private final String name;
    private final ColumnFamilyHandle handle;

    StoreTable(String name, ColumnFamilyHandle handle) {
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    ColumnFamilyHandle handle() {
        return handle;
    }
}
