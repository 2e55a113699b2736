package io.loginstate.bench;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.Directories;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end ingest rate of the packaged service next to Kafka's own ConsumerPerformance, both
 * reading the same topic from the same broker in the same run. Prints both rates and their ratio.
 *
 * <p>System properties: {@code bench.events} (default 5,000,000), {@code bench.users} (1,000,000),
 * {@code bench.partitions} (8), {@code bench.profile} (false: when true the service runs with Java
 * Flight Recorder and the hottest methods are printed).
 */
public final class PipelineBenchmark {

    private static final String TOPIC = "logins";

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        long events = Long.getLong("bench.events", 5_000_000);
        int users = Integer.getInteger("bench.users", 1_000_000);
        int partitions = Integer.getInteger("bench.partitions", 8);
        boolean profile = Boolean.getBoolean("bench.profile");
        Path work = Files.createTempDirectory("login-state-bench");
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0, 0, Map.of())) {
            broker.createTopic(TOPIC, partitions);
            broker.createTopic("logins-dlq", 1);
            long produceStart = System.nanoTime();
            LoginEvents.produce(broker.bootstrapServers(), TOPIC, events, users);
            System.out.printf(
                    Locale.ROOT,
                    "produced %,d events for %,d Zipf-distributed users over %d partitions in %.1f s%n",
                    events,
                    users,
                    partitions,
                    seconds(System.nanoTime() - produceStart));

            double rawBefore = ConsumerPerformanceRun.run(broker.bootstrapServers(), TOPIC, events)
                    .rate();
            double service = serviceRate(broker.bootstrapServers(), events, work.resolve("state"), profile, out);
            double rawAfter = ConsumerPerformanceRun.run(broker.bootstrapServers(), TOPIC, events)
                    .rate();
            double raw = (rawBefore + rawAfter) / 2;
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "raw consumer (ConsumerPerformance): %,.0f records/s (runs: %,.0f and %,.0f)%n",
                    raw,
                    rawBefore,
                    rawAfter);
            System.out.printf(Locale.ROOT, "login-state pipeline:               %,.0f records/s%n", service);
            System.out.printf(Locale.ROOT, "ratio pipeline / raw:               %.3f%n", service / raw);
        } finally {
            Directories.deleteRecursively(work);
        }
    }

    /** The packaged service from a fresh state directory; rate from first to last applied record. */
    private static double serviceRate(String bootstrap, long events, Path stateDir, boolean profile, Path out)
            throws Exception {
        List<String> jvm = new ArrayList<>();
        Path jfr = out.resolve("service.jfr");
        if (profile) {
            jvm.add("-XX:StartFlightRecording=filename=" + jfr.toAbsolutePath() + ",settings=profile");
        }
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers",
                bootstrap,
                "login-state.state-dir",
                stateDir.toString(),
                "mp.messaging.incoming.logins.group.id",
                "bench-" + System.nanoTime());
        try (ServiceProcess service = ServiceProcess.start(settings, jvm, out.resolve("service.log"))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            long firstAt = 0;
            long firstCount = 0;
            long done;
            while (true) {
                long now = System.nanoTime();
                done = Math.max(0, service.progress().nextOffsets());
                if (firstAt == 0 && done > 0) {
                    firstAt = now;
                    firstCount = done;
                }
                if (done >= events) {
                    break;
                }
                if (now > deadline || !service.isAlive()) {
                    throw new IllegalStateException(
                            "Service applied only " + done + " of " + events + "; see " + service.log());
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            double rate = (events - firstCount) / seconds(System.nanoTime() - firstAt);
            System.out.printf(
                    Locale.ROOT,
                    "login-state applied %,d events in %.2f s%n",
                    events - firstCount,
                    seconds(System.nanoTime() - firstAt));
            printBatchStatistics(
                    service.get("/q/metrics").body(), events - firstCount, seconds(System.nanoTime() - firstAt));
            service.stop(Duration.ofSeconds(60));
            if (profile) {
                HotMethods.print(jfr, 25);
            }
            return rate;
        }
    }

    /** Where the time went inside the service: batches, their size, and how busy the applying threads were. */
    private static void printBatchStatistics(String text, long records, double wallSeconds) {
        PrometheusScrape metrics = PrometheusScrape.parse(text);
        double batches = metrics.sum("login_state_batch_apply_seconds_count");
        double applySeconds = metrics.sum("login_state_batch_apply_seconds_sum");
        if (batches == 0) {
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "service batches: %,.0f, mean %.0f records, mean apply+commit %.2f ms, "
                        + "%.1f µs per record; applying threads busy %.1f s of %.1f s wall%n",
                batches,
                records / batches,
                applySeconds * 1000 / batches,
                applySeconds * 1e6 / records,
                applySeconds,
                wallSeconds);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
