package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.GroupOffsets;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.StoredCheckpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once state across crashes, with checkpoints in S3: the packaged service as a separate
 * JVM, a real broker, a real S3 server (S3Proxy). Login events are sent while the service runs and
 * the service is killed with SIGKILL at a random point of the stream, again and again. Every other
 * restart is a new pod with an empty state directory, which must restore each partition from its
 * latest checkpoint in the store (not replay the topic); the others reuse the killed instance's
 * directory, whose state must never be older than the latest checkpoint. After each kill the
 * group's committed offsets must not be ahead of the published checkpoints. At the end every user's
 * counts and last login equal those computed from the stream, and the last run (a new pod) applied
 * exactly the records after the checkpoints it restored.
 *
 * <p>The stream and the kill points come from a seeded {@link Random}; the seed is printed and can
 * be set with {@code -Dit.seed=...} to repeat a run.
 */
class CheckpointRecoveryIT {

    private static final String TOPIC = "logins";
    private static final String GROUP = "login-state-recovery";
    private static final int PARTITIONS = 6;
    private static final int USERS = 3_000;
    /** Runs ended by SIGKILL; the run after them is the last one, which processes the rest. */
    private static final int KILLS = 6;
    /** Events in the topic before the first start. */
    private static final int BACKLOG = 3_000;
    /** Each killed run is sent events one at a time (waiting for the broker each time) until it is killed, at most this many. */
    private static final int MAX_RUN_EVENTS = 5_000;
    /** A run is killed once it has processed between these many of its own events (and all earlier ones). */
    private static final int MIN_KILL_EVENTS = 300;

    private static final int MAX_KILL_EVENTS = 3_000;
    /** The rest is sent during the last run. */
    private static final int EVENTS = 36_000;

    private static final String BUCKET = "login-state-it";
    private static final String PREFIX = "recovery/";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static CheckpointedCluster cluster;

    @BeforeAll
    static void startBrokerAndStore() throws Exception {
        cluster = CheckpointedCluster.start("login-state-recovery", TOPIC, PARTITIONS, BUCKET, PREFIX);
    }

    @AfterAll
    static void stopBrokerAndStore() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyUserIsExactAfterRepeatedKillsOnKeptAndEmptyStateDirectories() throws Exception {
        long seed = Long.getLong("it.seed", new Random().nextLong());
        System.out.println("CheckpointRecoveryIT seed " + seed + " (repeat with -Dit.seed=" + seed + ")");
        Random random = new Random(seed);
        StoredCheckpoints checkpoints = new StoredCheckpoints(cluster.store(), GROUP, TOPIC, PARTITIONS);
        try (LoginStream stream = LoginStream.generate(new Random(seed), EVENTS, USERS);
                GroupOffsets group = new GroupOffsets(cluster.bootstrapServers(), GROUP, TOPIC, PARTITIONS)) {
            stream.send(cluster.bootstrapServers(), TOPIC, 0, BACKLOG, 500);
            int sent = BACKLOG;
            Path stateDir = null;
            int storeRestores = 0;
            int killedWhileSending = 0;

            for (int run = 0; run < KILLS; run++) {
                boolean newPod = run % 2 == 0;
                if (newPod) {
                    stateDir = cluster.workDir().resolve("state-" + run);
                    assertThat(stateDir).doesNotExist();
                }
                Map<Integer, Long> durable = checkpoints.latestOffsets();
                ServiceLog log = CheckpointedCluster.freshLog("checkpoint-recovery-run" + run + ".log");
                // Killed a random number of events into this run's sending, and for half of the runs
                // only after this run has published a checkpoint of every partition; always the first
                // run, so the first new pod has something to restore.
                long target = sent + MIN_KILL_EVENTS + random.nextInt(MAX_KILL_EVENTS - MIN_KILL_EVENTS);
                boolean afterCheckpoint = run == 0 || random.nextBoolean();
                String what = "seed " + seed + ", run " + run + (newPod ? " (empty state dir)" : " (kept state dir)");
                try (ServiceProcess service = ServiceProcess.start(settings(stateDir), List.of(), log.file())) {
                    Map<Integer, Long> opened = awaitOpened(service, log, what);
                    if (assertRestartPosition(what, run > 0 && newPod, durable, opened, log, service)) {
                        storeRestores++;
                    }
                    LoginStream.Sending sending =
                            stream.sendInBackground(cluster.bootstrapServers(), TOPIC, sent, sent + MAX_RUN_EVENTS, 1);
                    await(what + ": processing passes offset sum " + target
                                    + (afterCheckpoint ? " after a checkpoint" : ""))
                            .atMost(TIMEOUT)
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> {
                                ServiceProcess.Progress progress = service.progress();
                                return progress.partitions() == PARTITIONS
                                        && progress.nextOffsets() >= target
                                        && (!afterCheckpoint || publishedPerPartition(service) >= 1);
                            });
                    ServiceProcess.Progress atKill = service.progress();
                    service.kill();
                    boolean flowing = sending.running();
                    long killedAfter = sending.elapsed().toMillis();
                    int from = sent;
                    sent = sending.stop();
                    killedWhileSending += flowing ? 1 : 0;
                    System.out.printf(
                            "%s: killed %d ms after sending began, at offset sum %d (target %d%s); events %d..%d sent%s%n",
                            what,
                            killedAfter,
                            atKill.nextOffsets(),
                            target,
                            afterCheckpoint ? ", after a checkpoint" : "",
                            from,
                            sent,
                            flowing ? ", still sending when killed" : ", all sent before the kill");
                }
                assertCommittedWithinDurable(what, group, checkpoints);
            }

            stateDir = cluster.workDir().resolve("state-" + KILLS);
            Map<Integer, Long> durable = checkpoints.latestOffsets();
            ServiceLog log = CheckpointedCluster.freshLog("checkpoint-recovery-run" + KILLS + ".log");
            String what = "seed " + seed + ", last run (empty state dir)";
            try (ServiceProcess service = ServiceProcess.start(settings(stateDir), List.of(), log.file())) {
                Map<Integer, Long> opened = awaitOpened(service, log, what);
                assertThat(assertRestartPosition(what, true, durable, opened, log, service))
                        .isTrue();
                storeRestores++;
                long restored = log.restoredAt().values().stream()
                        .mapToLong(Long::longValue)
                        .sum();

                assertThat(EVENTS - sent).as("events left for the last run").isPositive();
                LoginStream.Sending sending =
                        stream.sendInBackground(cluster.bootstrapServers(), TOPIC, sent, EVENTS, 100);
                await(what + ": every event applied")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> service.progress().partitions() == PARTITIONS
                                && service.progress().nextOffsets() == EVENTS);
                assertThat(sending.await()).isEqualTo(EVENTS);
                await(what + ": ready").atMost(Duration.ofSeconds(30)).until(service::ready);

                // The state came from the checkpoints: this run applied exactly the records after them.
                await(what + ": records applied by the last run")
                        .atMost(Duration.ofSeconds(5))
                        .untilAsserted(() ->
                                assertThat(service.progress().appliedRecords()).isEqualTo(EVENTS - restored));
                stream.assertEveryUser(service);

                // Checkpoints go on; once one covers everything, its offsets are the group's.
                Map<Integer, Long> end = group.endOffsets();
                assertThat(end.values().stream().mapToLong(Long::longValue).sum())
                        .isEqualTo(EVENTS);
                await(what + ": committed offsets reach the end offsets")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(group.committed()).isEqualTo(end));
                assertThat(checkpoints.latestOffsets()).isEqualTo(end);
                checkpoints.assertLatestComplete();

                assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
            }
            assertThat(storeRestores)
                    .as("restarts with an empty state dir that restored from the store")
                    .isEqualTo(KILLS / 2);
            System.out.printf(
                    "seed %d: %d of %d kills while events were being sent%n", seed, killedWhileSending, KILLS);
        }
    }

    /**
     * Every partition is opened at least at its latest durable checkpoint (a restart never goes back
     * behind it). With an empty state dir, every partition must have been downloaded from that very
     * checkpoint and opened at its offset; returns true then.
     */
    private static boolean assertRestartPosition(
            String what,
            boolean emptyDir,
            Map<Integer, Long> durable,
            Map<Integer, Long> opened,
            ServiceLog log,
            ServiceProcess service) {
        Map<Integer, Long> restored = log.restoredAt();
        System.out.printf(
                "%s: store had %s; opened at %s; downloaded %s; kept local %s%n",
                what, durable, opened, restored, log.keptLocalAt());
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(opened.get(p))
                    .as(what + ": partition " + p + " opened at least at its durable checkpoint")
                    .isGreaterThanOrEqualTo(durable.getOrDefault(p, 0L));
        }
        if (!emptyDir) {
            return false;
        }
        assertThat(durable)
                .as(what + ": every partition has a checkpoint in the store")
                .hasSize(PARTITIONS);
        assertThat(restored)
                .as(what + ": every partition restored from its latest checkpoint")
                .isEqualTo(durable);
        assertThat(opened)
                .as(what + ": every partition opened where its checkpoint ends")
                .isEqualTo(durable);
        assertThat(durable.values().stream().mapToLong(Long::longValue).sum())
                .as(what + ": restored progress")
                .isPositive();
        long bytes =
                log.restoredBytes().values().stream().mapToLong(Long::longValue).sum();
        assertThat(bytes).as(what + ": bytes downloaded").isPositive();
        assertThat(PrometheusScrape.of(service).sum("login_state_restore_bytes_total"))
                .as(what + ": restore bytes metric")
                .isEqualTo((double) bytes);
        return true;
    }

    /** The group's committed offsets never run ahead of the published checkpoints, nor of the topic. */
    private static void assertCommittedWithinDurable(String what, GroupOffsets group, StoredCheckpoints checkpoints) {
        Map<Integer, Long> committed = group.committed();
        Map<Integer, Long> durable = checkpoints.latestOffsets();
        Map<Integer, Long> end = group.endOffsets();
        System.out.printf("%s: committed %s, checkpoints %s, end %s%n", what, committed, durable, end);
        committed.forEach((p, offset) -> {
            assertThat(offset)
                    .as(what + ": partition " + p + " committed offset vs its latest checkpoint")
                    .isLessThanOrEqualTo(durable.getOrDefault(p, 0L));
            assertThat(offset)
                    .as(what + ": partition " + p + " committed offset vs its end offset")
                    .isLessThanOrEqualTo(end.get(p));
        });
    }

    /** Checkpoints this process published, of the partition that published fewest. */
    private static long publishedPerPartition(ServiceProcess service) {
        List<Double> counts = PrometheusScrape.of(service).values("login_state_checkpoint_upload_seconds_count");
        return counts.size() < PARTITIONS
                ? 0
                : (long) counts.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static Map<Integer, Long> awaitOpened(ServiceProcess service, ServiceLog log, String what) {
        await(what + ": every partition restored and opened")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> service.progress().partitions() == PARTITIONS
                        && log.openedAt().size() == PARTITIONS);
        return log.openedAt();
    }

    private static Map<String, String> settings(Path stateDir) {
        return cluster.serviceSettings(GROUP, stateDir, Map.of("login-state.checkpoint.retained", "2"));
    }
}
