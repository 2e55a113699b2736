package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ReliabilityFigures;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Outages of what the service depends on, with the packaged service, a real broker and S3Proxy,
 * checked against the stream at the end:
 *
 * <ul>
 *   <li>the object store stops answering mid-ingest for a while (20 s here, {@code
 *       -Doutage.seconds=120} for the long version), and a second instance joins during the
 *       outage, so partitions move while no checkpoint can be written or read: no crash, the
 *       records applied beyond the last checkpoint stay within the back-pressure bound, then
 *       checkpoints resume on both instances and every user is exact;
 *   <li>the broker shuts down mid-ingest for a while (10 s, {@code -Dbroker-outage.seconds}) and
 *       starts again on the same log directory: the service turns unready, stays alive, resumes
 *       by itself and every user is exact.
 * </ul>
 */
class OutagesIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int USERS = 1_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** Per partition, the records a partition may apply beyond its last durable checkpoint. */
    private static final int MAX_UNUPLOADED = 1_500;
    /** The service's max.poll.records: a partition may take one more batch before it holds. */
    private static final int BATCH = 2_000;

    private static final long OUTAGE_SECONDS = Long.getLong("outage.seconds", 20);
    private static final long BROKER_OUTAGE_SECONDS = Long.getLong("broker-outage.seconds", 10);

    @Test
    void anObjectStoreOutageWithARebalanceLosesNothingAndHoldsMemory() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("OutagesIT object store seed " + seed);
        int before = 4_000;
        int events = 30_000;
        try (CheckpointedCluster cluster = CheckpointedCluster.start(
                        "login-state-s3-outage", TOPIC, PARTITIONS, "login-state-it", "s3-outage/");
                LoginStream stream = LoginStream.generate(new Random(seed), events, USERS)) {
            int portA = EmbeddedKafkaBroker.freePort();
            int portB = EmbeddedKafkaBroker.freePort();
            ServiceLog logA = CheckpointedCluster.freshLog("s3-outage-a.log");
            ServiceLog logB = CheckpointedCluster.freshLog("s3-outage-b.log");
            try (ServiceProcess a =
                    ServiceProcess.start(settings(cluster, "a", portA), List.of(), logA.file(), portA)) {
                stream.send(cluster.bootstrapServers(), TOPIC, 0, before, 200);
                await("A applies the first events and checkpoints them")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> a.progress().nextOffsets() == before && checkpointedEverywhere(a));

                LoginStream.Sending flowing =
                        stream.sendInBackground(cluster.bootstrapServers(), TOPIC, before, events, 20, 800);
                cluster.s3().stop();
                long outageStarted = System.nanoTime();
                long appliedAtStart = a.progress().nextOffsets();
                await("checkpoints fail")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> PrometheusScrape.of(a).sum("login_state_checkpoint_failures_total") > 0);

                long bound = (long) PARTITIONS * (MAX_UNUPLOADED + BATCH);
                try (ServiceProcess b =
                        ServiceProcess.start(settings(cluster, "b", portB), List.of(), logB.file(), portB)) {
                    // The outage lasts its set length; meanwhile B joins and partitions move.
                    AtomicLong appliedMost = new AtomicLong();
                    throughout(Duration.ofSeconds(OUTAGE_SECONDS), () -> {
                        assertThat(a.isAlive()).as("A runs through the outage").isTrue();
                        assertThat(b.isAlive()).as("B runs through the outage").isTrue();
                        assertThat(a.get("/q/health/live").status())
                                .as("A live")
                                .isEqualTo(200);
                        long applied = a.progress().nextOffsets()
                                + Math.max(0, b.progress().nextOffsets());
                        appliedMost.accumulateAndGet(applied - appliedAtStart, Math::max);
                        assertThat(applied - appliedAtStart)
                                .as("records applied beyond the last checkpoints during the outage")
                                .isLessThanOrEqualTo(bound);
                    });
                    cluster.s3().restart();
                    double outage = (System.nanoTime() - outageStarted) / 1e9;
                    flowing.await();

                    await("A and B share the partitions and apply every event")
                            .atMost(TIMEOUT)
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> {
                                ServiceProcess.Progress pa = a.progress();
                                ServiceProcess.Progress pb = b.progress();
                                return pa.partitions() + pb.partitions() == PARTITIONS
                                        && pa.nextOffsets() + pb.nextOffsets() == events;
                            });
                    await("checkpoints resume on both")
                            .atMost(TIMEOUT)
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> checkpointedEverywhere(a) && checkpointedEverywhere(b));
                    stream.assertEveryUser(a);
                    stream.assertEveryUser(b);
                    System.out.printf(
                            Locale.ROOT,
                            "object store down %.1f s with a rebalance: at most %d records applied beyond the"
                                    + " checkpoints (bound %d), %.0f checkpoint failures, every user exact%n",
                            outage,
                            appliedMost.get(),
                            bound,
                            PrometheusScrape.of(a).sum("login_state_checkpoint_failures_total")
                                    + PrometheusScrape.of(b).sum("login_state_checkpoint_failures_total"));
                    ReliabilityFigures.record(
                            "object-store-outage",
                            "OutagesIT: S3Proxy stopped mid-ingest and restarted on its port, a second instance joins"
                                    + " during the outage",
                            figures(
                                    "outage seconds",
                                    String.format(Locale.ROOT, "%.1f", outage),
                                    "records beyond the checkpoints at most",
                                    appliedMost.get(),
                                    "bound",
                                    bound,
                                    "checkpoint failures retried",
                                    (long) (PrometheusScrape.of(a).sum("login_state_checkpoint_failures_total")
                                            + PrometheusScrape.of(b).sum("login_state_checkpoint_failures_total")),
                                    "events",
                                    events,
                                    "users exact",
                                    USERS));
                }
            }
        }
    }

    @Test
    void aBrokerRestartMidIngestIsRiddenOut() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("OutagesIT broker seed " + seed);
        int events = 20_000;
        try (CheckpointedCluster cluster = CheckpointedCluster.start(
                        "login-state-broker-outage", TOPIC, PARTITIONS, "login-state-it", "broker-outage/");
                LoginStream stream = LoginStream.generate(new Random(seed), events, USERS)) {
            int port = EmbeddedKafkaBroker.freePort();
            ServiceLog log = CheckpointedCluster.freshLog("broker-outage.log");
            try (ServiceProcess service =
                    ServiceProcess.start(settings(cluster, "a", port), List.of(), log.file(), port)) {
                stream.send(cluster.bootstrapServers(), TOPIC, 0, 5_000, 200);
                await("the first events applied")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> service.progress().nextOffsets() == 5_000 && service.ready());

                cluster.kafka().stopBroker();
                long stopped = System.nanoTime();
                await("unready while the broker is away")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> !service.ready());
                // The outage lasts its set length; the service must stay alive through it.
                throughout(Duration.ofSeconds(BROKER_OUTAGE_SECONDS), () -> {
                    assertThat(service.isAlive())
                            .as("the service runs through the outage")
                            .isTrue();
                    assertThat(service.get("/q/health/live").status())
                            .as("live")
                            .isEqualTo(200);
                });
                cluster.kafka().restartBroker();
                double away = (System.nanoTime() - stopped) / 1e9;

                stream.send(cluster.bootstrapServers(), TOPIC, 5_000, events, 200);
                await("every event applied after the restart")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> service.progress().nextOffsets() == events && service.ready());
                assertThat(service.isAlive()).as("the process never exited").isTrue();
                stream.assertEveryUser(service);
                System.out.printf(
                        Locale.ROOT, "broker away %.1f s: the service resumed by itself, every user exact%n", away);
                ReliabilityFigures.record(
                        "broker-restart",
                        "OutagesIT: the broker stopped mid-ingest and restarted on its log directory",
                        figures(
                                "broker away seconds",
                                String.format(Locale.ROOT, "%.1f", away),
                                "process exits",
                                0,
                                "events",
                                events,
                                "users exact",
                                USERS));
            }
        }
    }

    /**
     * Runs {@code check} every half second for {@code length} (the outage, whose length is the
     * scenario); its first failure fails the test at once.
     */
    private static void throughout(Duration length, Runnable check) {
        await("the outage")
                .during(length)
                .atMost(length.plusSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    check.run();
                    return true;
                });
    }

    private static Map<String, Object> figures(Object... namesAndValues) {
        Map<String, Object> figures = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            figures.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return figures;
    }

    private static boolean checkpointedEverywhere(ServiceProcess service) {
        ServiceProcess.Answer answer = service.get("/partitions?scope=local");
        if (answer.status() != 200) {
            return false;
        }
        int rows = 0;
        for (var row : answer.json()) {
            rows++;
            if (row.path("lastCheckpointAgeMs").isNull()
                    || row.path("lastCheckpointAgeMs").asLong() > 5_000) {
                return false;
            }
        }
        return rows > 0;
    }

    private static Map<String, String> settings(CheckpointedCluster cluster, String name, int port) {
        Path stateDir = cluster.workDir().resolve("state-" + name);
        return cluster.serviceSettings(
                "login-state-outages",
                stateDir,
                Map.of(
                        "login-state.instance.advertised-url",
                        "http://127.0.0.1:" + port,
                        "login-state.checkpoint.max-unuploaded-records",
                        Integer.toString(MAX_UNUPLOADED),
                        "login-state.processing.close-timeout",
                        "5s"));
    }
}
