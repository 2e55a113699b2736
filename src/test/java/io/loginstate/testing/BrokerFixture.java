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
    private final int port;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private EmbeddedKafkaBroker broker;
    private boolean running = true;

    private BrokerFixture(
            Path workDir, int port, int controllerPort, Map<String, String> overrides, EmbeddedKafkaBroker broker) {
        this.workDir = workDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.overrides = overrides;
        this.broker = broker;
    }

    public static BrokerFixture start(String name, String topic, int partitions) throws IOException {
        return start(name, topic, partitions, Map.of());
    }

    /** With broker settings {@code overrides} applied last. */
    public static BrokerFixture start(String name, String topic, int partitions, Map<String, String> overrides)
            throws IOException {
        Path workDir = Files.createTempDirectory(name);
        int port = EmbeddedKafkaBroker.freePort();
        int controllerPort = EmbeddedKafkaBroker.freePort();
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.start(workDir.resolve("kafka"), port, controllerPort, overrides);
        broker.createTopic(topic, partitions);
        broker.createTopic("logins-dlq", 1);
        return new BrokerFixture(workDir, port, controllerPort, Map.copyOf(overrides), broker);
    }

    /** An outage: the broker shuts down (cleanly); its log stays. */
    public synchronized void stopBroker() {
        if (running) {
            broker.close();
            running = false;
        }
    }

    /** The end of an outage: the broker starts again on the same ports from the same log directory. */
    public synchronized void restartBroker() {
        if (!running) {
            broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"), port, controllerPort, overrides);
            running = true;
        }
    }

    /** A directory for the test's own files; deleted on close. */
    public Path workDir() {
        return workDir;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public synchronized void close() {
        stopBroker();
        Directories.deleteRecursively(workDir);
    }
}
