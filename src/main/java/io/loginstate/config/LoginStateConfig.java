package io.loginstate.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * All settings of the service under {@code login-state.*}; every value has a default. Choices
 * between implementations and policies are names here, turned into objects by the composition
 * root ({@code io.loginstate.app}), so this package depends on nothing else of the service.
 */
@ConfigMapping(prefix = "login-state")
public interface LoginStateConfig {

    /** Input topic of login events. */
    @WithDefault("logins")
    String topic();

    /** Topic that receives records that cannot be processed, with the reason in headers. */
    @WithName("dead-letter-topic")
    @WithDefault("logins-dlq")
    String deadLetterTopic();

    @WithName("dead-letter")
    DeadLetter deadLetter();

    /** How records are stored in the dead-letter topic. */
    interface DeadLetter {
        /**
         * Longest wait for one dead letter to be stored (the producer's metadata wait and its
         * delivery timeout); a send that takes longer fails and is retried with backoff.
         */
        @WithName("send-timeout")
        @WithDefault("5s")
        Duration sendTimeout();

        /**
         * Largest dead letter written, key, value and headers together; a larger one is truncated
         * (headers first, then the value) and says so in headers. Keep it below the topic's
         * {@code max.message.bytes} (Kafka's default 1048588).
         */
        @WithName("max-record-bytes")
        @WithDefault("1000000")
        int maxRecordBytes();
    }

    /** Local directory holding one RocksDB instance per assigned partition. */
    @WithName("state-dir")
    @WithDefault("data/state")
    Path stateDir();

    RocksDb rocksdb();

    @WithName("state")
    StateBackendSettings state();

    Instance instance();

    Query query();

    Api api();

    /**
     * How producers place keys on partitions, which routing of queries follows: {@code murmur2}
     * (Java clients' default) or {@code crc32} (librdkafka's consistent_random: kcat, the Go,
     * Python, .NET and Node clients).
     */
    @WithDefault("murmur2")
    String partitioner();

    /** This instance within the fleet of instances sharing the consumer group. */
    interface Instance {
        /**
         * Its id: its name in /partitions and, with static membership, the consumer's
         * group.instance.id. Absent: the HOSTNAME environment variable (the pod name on
         * Kubernetes), else the host name.
         */
        Optional<String> id();

        /** Where the other instances reach this one's HTTP API; absent: http://&lt;host name&gt;:&lt;http port&gt;. */
        @WithName("advertised-url")
        Optional<URI> advertisedUrl();

        /**
         * KIP-345: the instance id is the consumer's group.instance.id, so a restart within the
         * session timeout gets the same partitions back without a rebalance of the others.
         */
        @WithName("static-membership")
        @WithDefault("false")
        boolean staticMembership();
    }

    /** Who may call the HTTP API ({@code /users}, {@code /partitions}, {@code /}); health and metrics stay open. */
    interface Api {
        /**
         * {@code required}: every call needs credentials from {@code credentials-file}, and the service
         * does not start without them; {@code none}: the API answers anyone (logged as a warning at start).
         */
        @WithDefault("required")
        String auth();

        /**
         * File of credentials, one {@code <name>:<roles>:<secret>} per line ({@code roles}: {@code reader},
         * {@code admin}, comma-separated), e.g. a mounted Kubernetes Secret. Read once at start.
         */
        @WithName("credentials-file")
        Optional<Path> credentialsFile();
    }

    /** Answering queries for users whose partition another instance owns. */
    interface Query {
        /** Forward such queries to the owner; off: answer 421 naming the partition. */
        @WithDefault("true")
        boolean forwarding();

        /** Longest wait for the owner's answer to a forwarded query. */
        @WithName("forward-timeout")
        @WithDefault("2s")
        Duration forwardTimeout();
    }

    Processing processing();

    @WithName("offset-gap")
    OffsetGap offsetGap();

    /** A partition's stored position outside its log, found when the consumer is positioned there. */
    interface OffsetGap {
        /**
         * Records the state never applied were deleted (retention): {@code continue} at the log
         * start, counted and logged, or {@code fail} the partition. A position beyond the log's
         * end (a recreated topic) always fails the partition.
         */
        @WithName("below-log-start")
        @WithDefault("continue")
        String belowLogStart();
    }

    Ttl ttl();

    @WithName("object-store")
    ObjectStore objectStore();

    Checkpoint checkpoint();

    SavepointSettings savepoint();

    ErasureSettings erasure();

    /** Checkpoints of each partition's state, with the offset it reflects, to the object store. */
    interface Checkpoint {
        /** Off: no checkpoints and no restore; a partition without local state is rebuilt from the topic. */
        @WithDefault("true")
        boolean enabled();

        /** Time between two checkpoints of a partition (one is skipped if nothing changed). */
        @WithDefault("10s")
        Duration interval();

        /** Checkpoints kept per partition; older ones and every file only they reference are deleted. */
        @WithDefault("3")
        int retained();

        /**
         * Records a partition may apply beyond its last durable checkpoint; past this (the object
         * store is down, say) the partition pauses until a checkpoint succeeds.
         */
        @WithName("max-unuploaded-records")
        @WithDefault("5000000")
        long maxUnuploadedRecords();

        /** Threads uploading checkpoints (one partition's checkpoint at a time per thread). */
        @WithName("upload-threads")
        @WithDefault("2")
        int uploadThreads();

        /** Files downloaded in parallel when a partition is restored. */
        @WithName("download-threads")
        @WithDefault("8")
        int downloadThreads();

        /** Longest wait between retries of a failed upload (the wait doubles from 1 s). */
        @WithName("max-retry-backoff")
        @WithDefault("30s")
        Duration maxRetryBackoff();

        /**
         * Names this deployment's checkpoints: the first level of their keys in the store and a
         * field of every manifest, so two deployments sharing a bucket and prefix neither fence
         * each other nor restore each other's state. Absent: the consumer group id.
         */
        @WithName("deployment-id")
        Optional<String> deploymentId();

        /**
         * A partition with no checkpoint under its deployment restores from the layout before
         * deployment ids ({@code <topic>/<partition>}) if one is there; new checkpoints are written
         * under the deployment. Turn off for every deployment but the one those checkpoints belong to.
         */
        @WithName("read-legacy-layout")
        @WithDefault("true")
        boolean readLegacyLayout();

        /**
         * Objects no checkpoint references (left by crashed or fenced uploads) are deleted once they
         * are this old, so an upload still in progress elsewhere is never robbed of its files.
         */
        @WithName("orphan-min-age")
        @WithDefault("15m")
        Duration orphanMinAge();
    }

    /** Where checkpoints of the partitions' state are kept. */
    interface ObjectStore {
        /** {@code directory} (a local directory) or {@code s3} (an S3 bucket, on AWS or S3-compatible). */
        @WithDefault("directory")
        String type();

        Directory directory();

        S3 s3();

        interface Directory {
            /** Root directory of the objects; on a local file system (see DirectoryObjectStore). */
            @WithDefault("data/checkpoints")
            Path path();
        }

        interface S3 {
            /** Server of an S3-compatible store (MinIO, Ceph, ...); absent: AWS, by region. */
            Optional<URI> endpoint();

            @WithDefault("login-state")
            String bucket();

            /** Prepended to every key, e.g. {@code prod/}; absent: keys at the bucket's root. */
            Optional<String> prefix();

            @WithDefault("us-east-1")
            String region();

            /** Bucket in the path ({@code host/bucket/key}) rather than the host name; most S3-compatible servers need it. */
            @WithName("path-style-access")
            @WithDefault("false")
            boolean pathStyleAccess();

            /** With {@code secret-access-key}: static credentials. Both absent: the AWS default credentials chain. */
            @WithName("access-key-id")
            Optional<String> accessKeyId();

            @WithName("secret-access-key")
            Optional<String> secretAccessKey();
        }
    }

    /** Time-to-live of the login state (user aggregate, recent logins, devices). */
    interface Ttl {
        /** How long state lives after its timestamp; {@code update-type=DISABLED} keeps it forever. */
        @WithDefault("30d")
        Duration duration();

        /** When the timestamp is refreshed: ON_CREATE_AND_WRITE, ON_READ_AND_WRITE or DISABLED. */
        @WithName("update-type")
        @WithDefault("ON_CREATE_AND_WRITE")
        String updateType();

        /** NEVER_RETURN_EXPIRED or RETURN_EXPIRED_IF_NOT_CLEANED_UP. */
        @WithDefault("NEVER_RETURN_EXPIRED")
        String visibility();

        /** EVENT_TIME (the login's own timestamp) or PROCESSING_TIME (this instance's clock). */
        @WithName("time-characteristic")
        @WithDefault("EVENT_TIME")
        String timeCharacteristic();

        /** How far the event-time watermark trails the highest event timestamp seen. */
        @WithName("allowed-lateness")
        @WithDefault("5m")
        Duration allowedLateness();

        /**
         * Latest an event may lie ahead of the wall clock (or of its record's own timestamp, if
         * earlier); later ones are dead-lettered as TIMESTAMP_IN_FUTURE and never move event time.
         */
        @WithName("max-future-skew")
        @WithDefault("5m")
        Duration maxFutureSkew();

        /** With event time, also expire by the wall clock, so idle partitions and replays never keep data longer. */
        @WithName("wall-clock-backstop")
        @WithDefault("true")
        boolean wallClockBackstop();

        /** Bound from an entry's expiry until its bytes are gone from every local file. */
        @WithName("max-deletion-delay")
        @WithDefault("1h")
        Duration maxDeletionDelay();

        /** Most expiry-index entries visited per batch (and per idle tick) by incremental cleanup. */
        @WithName("cleanup-batch-size")
        @WithDefault("1000")
        int cleanupBatchSize();

        /**
         * Devices kept per user; a new device beyond it evicts the one seen longest ago, so a
         * user's state and its query stay bounded whatever the number of user agents it sends.
         */
        @WithName("max-devices-per-user")
        @WithDefault("100")
        int maxDevicesPerUser();

        /** How often idle partitions run cleanup and check the deletion deadline. */
        @WithName("cleanup-interval")
        @WithDefault("1s")
        Duration cleanupInterval();
    }

    /** RocksDB memory budget, shared by all partition instances of this process. */
    interface RocksDb {
        /**
         * Block cache shared by all instances: the RocksDB memory budget of the process, since the
         * memtables are charged to it.
         */
        @WithName("block-cache-size")
        @WithDefault("268435456")
        long blockCacheSize();

        /**
         * Total memtable budget shared by all instances, charged to the block cache. Small
         * memtables flush often and keep compactions busy: 32 MiB measured 30% slower ingest
         * than 256 MiB on the 10 M-event benchmark.
         */
        @WithName("write-buffer-size")
        @WithDefault("134217728")
        long writeBufferSize();

        /**
         * Whether a partition's kept local state has every block of its table files checked when it
         * is opened, before it is trusted over the checkpoint; a damaged file drops it for a restore.
         * Reads the whole state once (about 0.2 s per 350 MB from the page cache, the disk's read
         * speed otherwise).
         */
        @WithName("verify-on-open")
        @WithDefault("true")
        boolean verifyOnOpen();
    }

    interface Processing {
        /** Threads applying partition batches; each partition is applied by one thread at a time. */
        Optional<Integer> threads();

        /** Batches queued per partition before the consumer is slowed down. */
        @WithName("max-queued-batches")
        @WithDefault("4")
        int maxQueuedBatches();

        /**
         * Heap bytes per partition for recently used state entries in front of RocksDB (evicted by
         * CLOCK); 0 keeps only the writes waiting for the next commit. Writes reach RocksDB once
         * per key per commit either way.
         */
        @WithName("cache-bytes-per-partition")
        @WithDefault("67108864")
        long cacheBytesPerPartition();

        /**
         * Longest time applied batches wait for their commit while more batches are queued; a
         * partition with nothing queued commits at once.
         */
        @WithName("commit-interval")
        @WithDefault("500ms")
        Duration commitInterval();

        /** Most records applied between two commits. */
        @WithName("commit-max-records")
        @WithDefault("50000")
        long commitMaxRecords();

        /** Upper bound for closing a partition on revocation or shutdown. */
        @WithName("close-timeout")
        @WithDefault("30s")
        Duration closeTimeout();

        /**
         * Attempts at a record whose processing throws (in the handler or the state layer, not a
         * rejected record) before it is dead-lettered as PROCESSING_FAILED; also the attempts at a
         * failing commit or maintenance before the partition fails.
         */
        @WithName("poison-attempts")
        @WithDefault("3")
        int poisonAttempts();

        /** First wait before such a retry; it doubles on each one, up to 10 s. */
        @WithName("retry-backoff")
        @WithDefault("1s")
        Duration retryBackoff();

        /** Largest accepted record value; larger ones go to the dead-letter topic. */
        @WithName("max-value-bytes")
        @WithDefault("1048576")
        int maxValueBytes();
    }
}
