package io.loginstate.state.rocksdb;

import java.util.List;
import java.util.Properties;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.ConfigOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.WriteOptions;

/**
 * The options of one partition's RocksDB, in one place (the tuning seam): a bloom filter and the
 * shared block cache for reads, LZ4 on every level, level-0 compactions after six files, atomic
 * flush, no write-ahead log, the shared SST file manager (recovery from a full volume), an info
 * log that never names keys, and a MANIFEST that starts afresh on every change. Native handles:
 * closed by {@link #close} after the database that uses them.
 */
final class RocksDBOptions implements AutoCloseable {

    static final int BLOOM_BITS_PER_KEY = 10;
    /**
     * Level-0 files of a table before they are compacted into level 1. Every checkpoint flushes
     * each table, and a small state lies wholly in level 1, so each compaction rewrites the
     * table's whole level 1: at the optimisation's 2 files that happened every other flush. At 6
     * it happens a third as often (compactions took half the CPU they did, a checkpoint uploaded
     * 12% fewer bytes), while a read checks at most six level-0 filters, pinned in the block
     * cache, and the files hold more superseded versions (the state on disk was 23% larger).
     */
    static final int LEVEL0_COMPACTION_TRIGGER = 6;
    /** Tiny on purpose: every version edit starts a new MANIFEST that describes only live files. */
    static final long MAX_MANIFEST_FILE_SIZE = 1;

    static final int MAX_INFO_LOG_FILES = 2;
    static final int MAX_BACKGROUND_JOBS = 2;

    final DBOptions db;
    final ColumnFamilyOptions columnFamily;
    final WriteOptions write;
    final ReadOptions read;
    private final BloomFilter bloomFilter;

    RocksDBOptions(RocksDBSharedResources shared) {
        this.bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        BlockBasedTableConfig tableConfig = new BlockBasedTableConfig()
                .setBlockCache(shared.blockCache())
                .setFilterPolicy(bloomFilter)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        this.columnFamily = new ColumnFamilyOptions()
                .setTableFormatConfig(tableConfig)
                .optimizeLevelStyleCompaction()
                .setLevel0FileNumCompactionTrigger(LEVEL0_COMPACTION_TRIGGER)
                // After the optimisation, which leaves levels 0 and 1 uncompressed: those hold all
                // of a small state, and they are what checkpoints upload.
                .setCompressionPerLevel(List.of())
                .setCompressionType(CompressionType.LZ4_COMPRESSION);
        this.db = manifestRollingOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setWriteBufferManager(shared.writeBufferManager())
                // Resumes writes on its own once a full volume has space again.
                .setSstFileManager(shared.sstFileManager())
                .setMaxBackgroundJobs(MAX_BACKGROUND_JOBS)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(MAX_INFO_LOG_FILES);
        this.write = new WriteOptions().setDisableWAL(true);
        this.read = new ReadOptions();
    }

    /**
     * Options under which every version edit starts a new MANIFEST: a MANIFEST lists the smallest
     * and largest key of each file, so one that outlived a compaction would still name purged keys.
     * Recent RocksDB only rolls once the MANIFEST outgrows its live size by an allowed space
     * amplification, which is only settable by name.
     */
    private static DBOptions manifestRollingOptions() {
        Properties properties = new Properties();
        properties.setProperty("max_manifest_file_size", Long.toString(MAX_MANIFEST_FILE_SIZE));
        properties.setProperty("max_manifest_space_amp_pct", "0");
        try (ConfigOptions config = new ConfigOptions()) {
            DBOptions options = DBOptions.getDBOptionsFromProps(config, properties);
            if (options == null) {
                throw new IllegalStateException("RocksDB rejected the MANIFEST options " + properties);
            }
            return options;
        }
    }

    /** RocksDB reads the options until the database is closed: close them after it. */
    @Override
    public void close() {
        read.close();
        write.close();
        db.close();
        columnFamily.close();
        bloomFilter.close();
    }
}
