package io.loginstate.bench.throughput;

import io.loginstate.bench.ConsumerPerformanceRun;
import io.loginstate.bench.LoginEvents;
import io.loginstate.bench.S3ProxyWarmUp;
import io.loginstate.bench.throughput.ceiling.SmallRyeCeiling;
import io.loginstate.bench.throughput.oracle.LoginOracle;
import io.loginstate.bench.throughput.oracle.VerificationSample;
import io.loginstate.bench.throughput.service.RunPlan;
import io.loginstate.bench.throughput.service.ServiceMemory;
import io.loginstate.bench.throughput.service.ServiceResult;
import io.loginstate.bench.throughput.service.ServiceRunner;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.Directories;
import io.loginstate.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The throughput benchmark of issue 12, in one run on one topic: Kafka's raw consumer before and
 * after everything else, the SmallRye consumption ceiling, the packaged service with its defaults
 * (checkpoints to a directory), the same under a fixed query load, with checkpoints to S3Proxy, and
 * with a block cache far smaller than its state. Every service run's final state is checked
 * against an oracle computed while the topic was filled; a wrong state prints FAILED and the
 * command exits non-zero. Parameters: {@link ThroughputSettings}; the summary also goes to
 * {@code target/bench/throughput.txt}, the logs of the service runs next to it.
 */
public final class ThroughputBenchmark {

    private static final String TOPIC = "logins";
    private static final String BUCKET = "throughput";

    private final ThroughputSettings settings;
    private final String bootstrap;
    private final Path work;
    private final Path out;
    private final ThroughputReport report;

    private ThroughputBenchmark(ThroughputSettings settings, String bootstrap, Path work, Path out) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.work = work;
        this.out = out;
        this.report = new ThroughputReport(settings);
    }

    public static void main(String[] args) throws Exception {
        ThroughputSettings settings = ThroughputSettings.fromSystemProperties();
        if (settings.runs(ThroughputSettings.BOUNDED)
                && !settings.runs(ThroughputSettings.DIRECTORY)
                && settings.boundedCacheBytes() <= 0) {
            throw new IllegalArgumentException(
                    "The bounded run takes its block cache from the directory run's state size: "
                            + "run both, or set bench.throughput.bounded-cache-bytes");
        }
        Path work = Files.createTempDirectory("login-state-throughput-bench");
        Path out = Files.createDirectories(Path.of("target", "bench"));
        boolean passed;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0, 0, Map.of())) {
            broker.createTopic(TOPIC, settings.partitions());
            broker.createTopic("logins-dlq", 1);
            ThroughputBenchmark benchmark = new ThroughputBenchmark(settings, broker.bootstrapServers(), work, out);
            benchmark.runAll();
            benchmark.report.print(out.resolve("throughput.txt"), commandLine(settings));
            passed = benchmark.report.passed();
        } finally {
            Directories.deleteRecursively(work);
        }
        if (!passed) {
            // Maven must fail: a benchmark of a wrong state measures nothing.
            System.exit(1);
        }
    }

    private void runAll() throws Exception {
        LoginOracle oracle = produce();
        report.rawBefore(ConsumerPerformanceRun.run(bootstrap, TOPIC, settings.events()));
        if (settings.runs(ThroughputSettings.CEILING)) {
            SmallRyeCeiling.handlerMismatch().ifPresent(report::note);
            report.ceiling(SmallRyeCeiling.measure(
                    bootstrap,
                    settings.events(),
                    settings.jvmOptions(),
                    settings.environment(),
                    work,
                    out.resolve("throughput-ceiling.log"),
                    settings.timeout()));
        }
        int[] sample = VerificationSample.of(settings.users(), settings.verifyUsers(), settings.verifyHottest());
        ServiceRunner runner = new ServiceRunner(
                bootstrap, settings.events(), oracle, sample, settings.environment(), work, out, settings.timeout());
        if (settings.runs(ThroughputSettings.DIRECTORY)) {
            report.service(
                    "service, defaults, checkpoints to a directory",
                    runner.run(new RunPlan(ThroughputSettings.DIRECTORY, Map.of(), settings.jvmOptions(), null)));
        }
        if (settings.runs(ThroughputSettings.QUERY_LOAD)) {
            report.service(
                    String.format(
                            Locale.ROOT,
                            "same, with %,d queries/s",
                            settings.queryLoad().rate()),
                    runner.run(new RunPlan(
                            ThroughputSettings.QUERY_LOAD, Map.of(), settings.jvmOptions(), settings.queryLoad())));
        }
        if (settings.runs(ThroughputSettings.S3)) {
            report.service("service, defaults, checkpoints to S3Proxy", runS3(runner));
        }
        if (settings.runs(ThroughputSettings.BOUNDED)) {
            runBounded(runner);
        }
        report.rawAfter(ConsumerPerformanceRun.run(bootstrap, TOPIC, settings.events()));
    }

    /** Fills the topic and computes, from the same events, the state each user must end with. */
    private LoginOracle produce() {
        LoginOracle oracle = new LoginOracle(settings.users());
        long start = System.nanoTime();
        long bytes = LoginEvents.produce(bootstrap, TOPIC, settings.events(), settings.users(), oracle);
        System.out.printf(
                Locale.ROOT,
                "produced %,d events (%,d bytes of keys and values) for %,d Zipf-distributed users "
                        + "over %d partitions in %.1f s%n",
                settings.events(),
                bytes,
                settings.users(),
                settings.partitions(),
                (System.nanoTime() - start) / 1e9);
        return oracle;
    }

    private ServiceResult runS3(ServiceRunner runner) throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(BUCKET)) {
            S3ProxyWarmUp.run(s3.settings(BUCKET), work);
            return runner.run(new RunPlan(
                    ThroughputSettings.S3, s3.serviceProperties(BUCKET, "throughput"), settings.jvmOptions(), null));
        }
    }

    /** The service with a block cache {@value ThroughputSettings#CACHE_DIVISOR} times smaller than its state on disk. */
    private void runBounded(ServiceRunner runner) throws Exception {
        ServiceResult defaults = report.service(ThroughputSettings.DIRECTORY);
        long stateBytes = defaults == null ? -1 : defaults.stateBytes();
        long cache = settings.boundedCacheBytes() > 0
                ? settings.boundedCacheBytes()
                : stateBytes / ThroughputSettings.CACHE_DIVISOR;
        Map<String, String> memory = Map.of(
                "login-state.rocksdb.block-cache-size", Long.toString(cache),
                "login-state.rocksdb.write-buffer-size", Long.toString(settings.boundedWriteBufferBytes()));
        ServiceResult result = runner.run(new RunPlan(ThroughputSettings.BOUNDED, memory, settings.jvmOptions(), null));
        report.service(
                String.format(
                        Locale.ROOT,
                        "service, block cache %s (1/%d of the state)",
                        ServiceMemory.mib(cache),
                        ThroughputSettings.CACHE_DIVISOR),
                result);
        report.bound(
                new MemoryBound(settings.heapBytes(), cache, settings.boundedWriteBufferBytes(), stateBytes, result));
    }

    /** The Maven command line when run by Maven (its launcher exports it), else the equivalent one. */
    private static String commandLine(ThroughputSettings settings) {
        String maven = System.getenv("MAVEN_CMD_LINE_ARGS");
        return maven != null && !maven.isBlank()
                ? "./mvnw " + maven.trim()
                : "./mvnw -Pbench package -Dbench.only=throughput " + settings.describe();
    }
}
