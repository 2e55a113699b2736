package io.loginstate.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller combined) running inside this
 * JVM, for the embedded default, tests and benchmarks. Never started in production: it lives in the
 * {@code src/embedded} source set, and the broker's libraries are test-scope dependencies that the
 * packaged service does not contain. Formats
 * its storage on first use and reuses it afterwards.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker whose data lives in {@code logDir}. A port of 0 picks a free one.
     * {@code overrides} are broker settings applied last.
     */
    public static EmbeddedKafkaBroker start(Path logDir, int port, int controllerPort, Map<String, String> overrides) {
        int brokerPort = port == 0 ? freePort() : port;
        int quorumPort = controllerPort == 0 ? freePort() : controllerPort;
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + quorumPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + quorumPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toAbsolutePath().toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "8");
        props.put("auto.create.topics.enable", "true");
        props.putAll(overrides);
        try {
            Files.createDirectories(logDir);
            Path configFile = logDir.resolve("server.properties");
            Properties properties = new Properties();
            properties.putAll(props);
            try (OutputStream out = Files.newOutputStream(configFile)) {
                properties.store(out, "embedded single-node KRaft broker");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(configFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the embedded Kafka broker in " + logDir, e);
        }
        long started = System.nanoTime();
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + brokerPort;
        LOG.infof(
                "Embedded Kafka broker started on %s in %d ms (data in %s)",
                bootstrap, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), logDir);
        return new EmbeddedKafkaBroker(server, bootstrap);
    }

    private static void format(Path configFile) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit = StorageTool.execute(
                new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString()},
                new PrintStream(output, true, StandardCharsets.UTF_8));
        if (exit != 0) {
            throw new IllegalStateException(
                    "Formatting the embedded broker's storage failed: " + output.toString(StandardCharsets.UTF_8));
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates the topic if it does not exist yet. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(topicConfig)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + name, e.getCause());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topic " + name, e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka broker stopped");
    }

    /** A currently free local port (for brokers, tests and benchmarks). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
