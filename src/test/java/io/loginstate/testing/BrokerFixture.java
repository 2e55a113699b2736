package io.loginstate.testing;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real single-node broker in a temporary directory with the input and dead-letter topics. */
public final class BrokerFixture implements AutoCloseable {

    private final Path workDir;
    private final EmbeddedKafkaBroker broker;

    private BrokerFixture(Path workDir, EmbeddedKafkaBroker broker) {
        this.workDir = workDir;
        this.broker = broker;
    }

    public static BrokerFixture start(String name, String topic, int partitions) throws IOException {
        return start(name, topic, partitions, Map.of());
    }

    /** With broker settings {@code overrides} applied last. */
    public static BrokerFixture start(String name, String topic, int partitions, Map<String, String> overrides)
            throws IOException {
        Path workDir = Files.createTempDirectory(name);
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"), 0, 0, overrides);
        broker.createTopic(topic, partitions);
        broker.createTopic("logins-dlq", 1);
        return new BrokerFixture(workDir, broker);
    }

    /** A directory for the test's own files; deleted on close. */
    public Path workDir() {
        return workDir;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    public void close() {
        broker.close();
        Directories.deleteRecursively(workDir);
    }
}
