package io.loginstate.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The embedded default: starts a single-node KRaft broker on 127.0.0.1:9092 in this JVM, creates
 * the topics, runs the packaged service as a child JVM with the {@code embedded} profile, and
 * produces sample events. Ctrl-C stops the events, the service (gracefully), then the broker.
 *
 * <p>Arguments: the service's {@code quarkus-run.jar}, then optional extra JVM options for it.
 * System properties: {@code embedded.data-dir} (default {@code target/data}),
 * {@code embedded.kafka.port} (9092), {@code embedded.kafka.controller-port} (9093),
 * {@code embedded.partitions} (8), {@code embedded.sample.users} (100),
 * {@code embedded.sample.initial-events} (1000), {@code embedded.sample.events-per-second} (5; 0 for
 * no sample events after the first burst).
 */
public final class EmbeddedRunner {

    private static final Logger LOG = Logger.getLogger(EmbeddedRunner.class);
    private static final long STOP_TIMEOUT_SECONDS = 30;

    private EmbeddedRunner() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !Files.isRegularFile(Path.of(args[0]))) {
            throw new IllegalArgumentException("First argument must be the service's quarkus-run.jar");
        }
        Path dataDir =
                Path.of(System.getProperty("embedded.data-dir", "target/data")).toAbsolutePath();
        int port = Integer.getInteger("embedded.kafka.port", 9092);
        int controllerPort = Integer.getInteger("embedded.kafka.controller-port", 9093);
        int partitions = Integer.getInteger("embedded.partitions", 8);

        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
                dataDir.resolve("kafka"), port, controllerPort, Map.of("num.partitions", Integer.toString(partitions)));
        broker.createTopic("logins", partitions);
        broker.createTopic("logins-dlq", 1);

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dquarkus.profile=embedded");
        command.add("-Dkafka.bootstrap.servers=" + broker.bootstrapServers());
        command.add("-Dlogin-state.state-dir=" + dataDir.resolve("state"));
        command.add("-Dlogin-state.object-store.directory.path=" + dataDir.resolve("checkpoints"));
        for (int i = 1; i < args.length; i++) {
            command.add(args[i]);
        }
        command.add("-jar");
        command.add(args[0]);
        Process service = new ProcessBuilder(command).inheritIO().start();
        LOG.infof("Service started (pid %d); try: curl localhost:8080/users/sample-user-1", service.pid());
        SampleEventGenerator samples = new SampleEventGenerator(
                broker.bootstrapServers(),
                "logins",
                new SampleEventGenerator.Settings(
                        Integer.getInteger("embedded.sample.users", 100),
                        Integer.getInteger("embedded.sample.initial-events", 1000),
                        Integer.getInteger("embedded.sample.events-per-second", 5)));
        samples.start();

        Thread stopper = new Thread(() -> stop(samples, service, broker), "embedded-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        int exit = service.waitFor();
        LOG.infof("Service exited with %d", exit);
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
            samples.close();
            broker.close();
        } catch (IllegalStateException shuttingDown) {
            // the hook is already running and stops the broker
        }
    }

    private static void stop(SampleEventGenerator samples, Process service, EmbeddedKafkaBroker broker) {
        samples.close();
        service.destroy();
        try {
            if (!service.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        broker.close();
    }
}
