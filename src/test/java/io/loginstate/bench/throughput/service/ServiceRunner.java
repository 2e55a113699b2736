package io.loginstate.bench.throughput.service;

import io.loginstate.bench.throughput.oracle.LoginOracle;
import io.loginstate.bench.throughput.oracle.StateVerifier;
import io.loginstate.bench.throughput.oracle.StateVerifier.Verification;
import io.loginstate.bench.throughput.query.LatencySummary;
import io.loginstate.bench.throughput.query.QueryLoad;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.Directories;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged service over the whole topic, each time from a fresh state directory with a new
 * consumer group, and measures it from the outside as an operator would: progress through
 * {@code /partitions}, memory through {@code /proc} and {@code /q/metrics}, the final state through
 * {@code GET /users/{id}} against the oracle.
 */
public final class ServiceRunner {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);

    private final String bootstrap;
    private final long events;
    private final LoginOracle oracle;
    private final int[] sample;
    private final Map<String, String> environment;
    private final Path work;
    private final Path out;
    private final Duration timeout;

    public ServiceRunner(
            String bootstrap,
            long events,
            LoginOracle oracle,
            int[] sample,
            Map<String, String> environment,
            Path work,
            Path out,
            Duration timeout) {
        this.bootstrap = bootstrap;
        this.events = events;
        this.oracle = oracle;
        this.sample = sample;
        this.environment = Map.copyOf(environment);
        this.work = work;
        this.out = out;
        this.timeout = timeout;
    }

    public ServiceResult run(RunPlan plan) throws IOException, InterruptedException {
        Path stateDir = work.resolve("state-" + plan.label());
        Path checkpoints = work.resolve("checkpoints-" + plan.label());
        Path log = out.resolve("throughput-service-" + plan.label() + ".log");
        Files.deleteIfExists(log);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("kafka.bootstrap.servers", bootstrap);
        properties.put("login-state.state-dir", stateDir.toString());
        properties.put("login-state.object-store.directory.path", checkpoints.toString());
        properties.put("mp.messaging.incoming.logins.group.id", "throughput-" + plan.label() + "-" + System.nanoTime());
        properties.putAll(plan.properties());
        try (ServiceProcess service =
                ServiceProcess.start(properties, environment, plan.jvmOptions(), log, EmbeddedKafkaBroker.freePort())) {
            Ingest ingest = awaitIngest(service, plan.queryLoad());
            String metrics = service.get("/q/metrics").body();
            Files.writeString(
                    out.resolve("throughput-metrics-" + plan.label() + ".txt"), metrics, StandardCharsets.UTF_8);
            ServiceMemory memory = ServiceMemory.of(service, metrics);
            Verification verification = StateVerifier.verify(service, oracle, sample);
            service.stop(STOP_TIMEOUT);
            double applyMicros = PrometheusScrape.parse(metrics)
                            .total("login_state_batch_apply_seconds_sum", Map.of())
                            .orElse(Double.NaN)
                    * 1e6
                    / ingest.records();
            ServiceResult result = new ServiceResult(
                    plan.label(),
                    ingest.rate(),
                    ingest.records(),
                    ingest.seconds(),
                    applyMicros,
                    memory,
                    verification,
                    ingest.queries(),
                    DirectorySize.of(stateDir));
            System.out.println(result.describe());
            verification.mismatches().forEach(m -> System.out.println("  mismatch: " + m));
            return result;
        } finally {
            Directories.deleteRecursively(stateDir);
            Directories.deleteRecursively(checkpoints);
        }
    }

    /** From the first applied record to the last, with the query load running in between. */
    private record Ingest(long records, double seconds, LatencySummary queries) {
        double rate() {
            return records / seconds;
        }
    }

    private Ingest awaitIngest(ServiceProcess service, QueryLoad.Settings loadSettings) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long firstAt = 0;
        long firstCount = 0;
        QueryLoad load = null;
        try {
            while (true) {
                long now = System.nanoTime();
                long done = Math.max(0, service.progress().nextOffsets());
                if (firstAt == 0 && done > 0) {
                    firstAt = now;
                    firstCount = done;
                    load = loadSettings == null
                            ? null
                            : QueryLoad.start(service.httpPort(), oracle.users(), loadSettings);
                }
                if (done >= events) {
                    long records = events - firstCount;
                    double seconds = (System.nanoTime() - firstAt) / 1e9;
                    LatencySummary queries = load == null ? null : load.stop();
                    load = null;
                    return new Ingest(records, seconds, queries);
                }
                if (now > deadline || !service.isAlive()) {
                    throw new IllegalStateException(
                            "Service applied only " + done + " of " + events + "; see " + service.log());
                }
                // The service's progress is only visible by asking: this poll is the measurement's clock.
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            }
        } finally {
            if (load != null) {
                load.stop();
            }
        }
    }
}
