package io.loginstate.testing;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the service needs to checkpoint for real: a broker with the input topic, an S3Proxy with one
 * bucket, and a client of that bucket under a prefix, the one the service is given too. Closing it
 * closes all three.
 */
public final class CheckpointedCluster implements AutoCloseable {

    private final String bucket;
    private final String prefix;
    private BrokerFixture kafka;
    private S3ProxyServer s3;
    private ObjectStore store;

    private CheckpointedCluster(String bucket, String prefix) {
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** Starts a broker (named {@code name}) with {@code topic}, and S3Proxy with {@code bucket}; checkpoints go under {@code prefix}. */
    public static CheckpointedCluster start(String name, String topic, int partitions, String bucket, String prefix)
            throws Exception {
        CheckpointedCluster cluster = new CheckpointedCluster(bucket, prefix);
        try {
            cluster.kafka = BrokerFixture.start(name, topic, partitions);
            cluster.s3 = S3ProxyServer.start(bucket);
            cluster.store = S3ObjectStore.create(
                    cluster.s3.settings(bucket).toBuilder().prefix(prefix).build());
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The broker, to stop and restart it. */
    public BrokerFixture kafka() {
        return kafka;
    }

    /** The S3 server, to stop and restart it. */
    public S3ProxyServer s3() {
        return s3;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** A directory for the test's own files; deleted on close. */
    public Path workDir() {
        return kafka.workDir();
    }

    /** The files of the objects under the checkpoints' prefix (see {@link S3ProxyServer#objectDirectory}). */
    public Path objectDirectory() {
        return s3.objectDirectory(bucket).resolve(prefix);
    }

    /** The bucket under the checkpoints' prefix. */
    public ObjectStore store() {
        return store;
    }

    /**
     * System properties for a {@link ServiceProcess} of consumer group {@code group} with its state in
     * {@code stateDir}, checkpointing every second to this cluster's bucket and prefix, with a short
     * consumer session (a killed member holds its partitions until its session expires). Entries of
     * {@code overrides} are added, or replace the defaults.
     */
    public Map<String, String> serviceSettings(String group, Path stateDir, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        settings.put("mp.messaging.incoming.logins.group.id", group);
        settings.put("login-state.state-dir", stateDir.toString());
        settings.putAll(s3.serviceProperties(bucket, prefix));
        settings.put("login-state.checkpoint.interval", "1s");
        settings.put("mp.messaging.incoming.logins.session.timeout.ms", "6000");
        settings.put("mp.messaging.incoming.logins.heartbeat.interval.ms", "1000");
        settings.putAll(overrides);
        return settings;
    }

    /** A service log at {@code target/it-logs/<name>}, emptied first. */
    public static ServiceLog freshLog(String name) throws Exception {
        Path file = Path.of("target", "it-logs", name);
        Files.deleteIfExists(file);
        return new ServiceLog(file);
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
