package io.loginstate.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** All settings of the service under {@code login-state.*}; every value has a default. */
@ConfigMapping(prefix = "login-state")
public interface LoginStateConfig {

    /** Input topic of login events. */
    @WithDefault("logins")
    String topic();

    /** Topic that receives records that cannot be processed, with the reason in headers. */
    @WithName("dead-letter-topic")
    @WithDefault("logins-dlq")
    String deadLetterTopic();

    /** Local directory holding one RocksDB instance per assigned partition. */
    @WithName("state-dir")
    @WithDefault("data/state")
    Path stateDir();

    RocksDb rocksdb();

    Processing processing();

    SampleGenerator sampleGenerator();

    /** RocksDB memory budget, shared by all partition instances of this process. */
    interface RocksDb {
        /** Block cache shared by all instances. */
        @WithName("block-cache-size")
        @WithDefault("67108864")
        long blockCacheSize();

        /** Total memtable budget shared by all instances (charged to the block cache). */
        @WithName("write-buffer-size")
        @WithDefault("33554432")
        long writeBufferSize();
    }

    interface Processing {
        /** Threads applying partition batches; each partition is applied by one thread at a time. */
        Optional<Integer> threads();

        /** Batches queued per partition before the consumer is slowed down. */
        @WithName("max-queued-batches")
        @WithDefault("4")
        int maxQueuedBatches();

        /** Hot user states kept in memory per partition in front of RocksDB. */
        @WithName("cache-entries-per-partition")
        @WithDefault("100000")
        int cacheEntriesPerPartition();

        /** Upper bound for closing a partition on revocation or shutdown. */
        @WithName("close-timeout")
        @WithDefault("30s")
        Duration closeTimeout();

        /** Largest accepted record value; larger ones go to the dead-letter topic. */
        @WithName("max-value-bytes")
        @WithDefault("1048576")
        int maxValueBytes();
    }

    /** Produces sample login events into the input topic (on in the {@code embedded} profile). */
    interface SampleGenerator {
        @WithDefault("false")
        boolean enabled();

        /** Distinct users, named sample-user-1 .. sample-user-N. */
        @WithDefault("100")
        int users();

        /** Events produced right after start. */
        @WithName("initial-events")
        @WithDefault("1000")
        int initialEvents();

        /** Events per second afterwards. */
        @WithName("events-per-second")
        @WithDefault("5")
        int eventsPerSecond();
    }
}
