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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Partitions move between instances through the checkpoints in S3. Instance A processes the first
 * part of the stream; instance B, with an empty state directory and the same group, joins while
 * events keep coming and takes over some partitions; A is then stopped (SIGTERM) and B takes the
 * rest. B must restore every partition it receives from the checkpoint A published when it gave the
 * partition up, exactly where A stopped, rather than replaying the topic; at the end every user's
 * counts and last login equal those computed from the stream. Throughout, the group's committed
 * offsets never run ahead of the published checkpoints, never go back, and finally reach the end.
 */
class PartitionHandoverIT {

    private static final String TOPIC = "logins";
    private static final String GROUP = "login-state-handover";
    private static final int PARTITIONS = 6;
    private static final int USERS = 2_000;
    /** Sent while only A runs. */
    private static final int FIRST_PART = 6_000;
    /** Sent one at a time from B's start until A is gone, at most up to here; the rest afterwards. */
    private static final int FLOWING_UNTIL = 37_000;

    private static final int EVENTS = 40_000;
    private static final String BUCKET = "login-state-it";
    private static final String PREFIX = "handover/";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static CheckpointedCluster cluster;

    @BeforeAll
    static void startBrokerAndStore() throws Exception {
        cluster = CheckpointedCluster.start("login-state-handover", TOPIC, PARTITIONS, BUCKET, PREFIX);
    }

    @AfterAll
    static void stopBrokerAndStore() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void partitionsMoveThroughCheckpointsWithoutLossOrDoubleCounting() throws Exception {
        long seed = Long.getLong("it.seed", new Random().nextLong());
        System.out.println("PartitionHandoverIT seed " + seed + " (repeat with -Dit.seed=" + seed + ")");
        StoredCheckpoints checkpoints = new StoredCheckpoints(cluster.store(), TOPIC, PARTITIONS);
        ServiceLog logA = CheckpointedCluster.freshLog("handover-a.log");
        ServiceLog logB = CheckpointedCluster.freshLog("handover-b.log");
        Map<Integer, Long> committedSoFar = new HashMap<>();

        try (LoginStream stream = LoginStream.generate(new Random(seed), EVENTS, USERS);
                GroupOffsets group = new GroupOffsets(cluster.bootstrapServers(), GROUP, TOPIC, PARTITIONS);
                ServiceProcess a =
                        ServiceProcess.start(settings(cluster.workDir().resolve("state-a")), List.of(), logA.file())) {

            stream.send(cluster.bootstrapServers(), TOPIC, 0, FIRST_PART, 100);
            await("A applies the first part")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> a.progress().partitions() == PARTITIONS
                            && a.progress().nextOffsets() == FIRST_PART);
            assertCommitted("A alone", group, checkpoints, committedSoFar);

            LoginStream.Sending sending =
                    stream.sendInBackground(cluster.bootstrapServers(), TOPIC, FIRST_PART, FLOWING_UNTIL, 1);
            try (ServiceProcess b =
                    ServiceProcess.start(settings(cluster.workDir().resolve("state-b")), List.of(), logB.file())) {
                await("B takes over some partitions while A keeps the others")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            int onB = b.progress().partitions();
                            return onB > 0
                                    && onB < PARTITIONS
                                    && onB + a.progress().partitions() == PARTITIONS;
                        });
                int movedFirst = b.progress().partitions();
                boolean flowingAtFirstMove = sending.running();
                await("B ready").atMost(TIMEOUT).until(b::ready);
                assertCommitted("A and B", group, checkpoints, committedSoFar);

                assertThat(a.stop(TIMEOUT)).as("A's exit code after SIGTERM").isIn(0, 143);
                await("B owns every partition")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> b.progress().partitions() == PARTITIONS);
                boolean flowingAtSecondMove = sending.running();
                int sent = sending.stop();
                System.out.printf(
                        "seed %d: %d partition(s) moved to B while A ran (events flowing: %s), the rest when A stopped"
                                + " (events flowing: %s); events %d..%d sent meanwhile%n",
                        seed, movedFirst, flowingAtFirstMove, flowingAtSecondMove, FIRST_PART, sent);
                assertCommitted("B alone", group, checkpoints, committedSoFar);
                stream.sendInBackground(cluster.bootstrapServers(), TOPIC, sent, EVENTS, 100)
                        .await();

                await("B applies every event")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> b.progress().nextOffsets() == EVENTS);
                await("B ready").atMost(TIMEOUT).until(b::ready);

                // A gave each partition up with a final checkpoint; B started from exactly there.
                Map<Integer, Long> closedByA = logA.closedAt();
                Map<Integer, Long> restoredByB = logB.restoredAt();
                System.out.printf(
                        "seed %d: A closed at %s (final checkpoints at %s); B restored %s, opened at %s%n",
                        seed, closedByA, logA.finalCheckpointAt(), restoredByB, logB.openedAt());
                assertThat(closedByA).as("partitions A closed").hasSize(PARTITIONS);
                assertThat(restoredByB)
                        .as("B restored every partition from the checkpoint A left")
                        .isEqualTo(closedByA);
                assertThat(logB.openedAt())
                        .as("B opened every partition where A stopped")
                        .isEqualTo(closedByA);
                assertThat(logB.keptLocalAt()).as("B had no local state").isEmpty();
                long restored =
                        restoredByB.values().stream().mapToLong(Long::longValue).sum();
                assertThat(restored).as("progress B restored").isGreaterThanOrEqualTo(FIRST_PART);
                assertThat(PrometheusScrape.of(b).sum("login_state_restore_bytes_total"))
                        .as("bytes B downloaded")
                        .isPositive();
                await("records applied by B")
                        .atMost(Duration.ofSeconds(5))
                        .untilAsserted(
                                () -> assertThat(b.progress().appliedRecords()).isEqualTo(EVENTS - restored));

                stream.assertEveryUser(b);

                Map<Integer, Long> end = group.endOffsets();
                assertThat(end.values().stream().mapToLong(Long::longValue).sum())
                        .isEqualTo(EVENTS);
                await("committed offsets reach the end offsets")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(assertCommitted("the end", group, checkpoints, committedSoFar))
                                .isEqualTo(end));
                checkpoints.assertLatestComplete();

                assertThat(b.stop(TIMEOUT)).as("B's exit code after SIGTERM").isIn(0, 143);
            }
        }
    }

    /**
     * Committed offsets never exceed the partition's latest published checkpoint (read after them)
     * nor its end offset, and never go back; returns them.
     */
    private static Map<Integer, Long> assertCommitted(
            String when, GroupOffsets group, StoredCheckpoints checkpoints, Map<Integer, Long> committedSoFar) {
        Map<Integer, Long> committed = new TreeMap<>(group.committed());
        Map<Integer, Long> durable = checkpoints.latestOffsets();
        Map<Integer, Long> end = group.endOffsets();
        System.out.printf("%s: committed %s, checkpoints %s, end %s%n", when, committed, durable, end);
        committed.forEach((p, offset) -> {
            assertThat(offset)
                    .as(when + ": partition " + p + " committed vs latest checkpoint")
                    .isLessThanOrEqualTo(durable.getOrDefault(p, 0L));
            assertThat(offset)
                    .as(when + ": partition " + p + " committed vs end offset")
                    .isLessThanOrEqualTo(end.get(p));
            assertThat(offset)
                    .as(when + ": partition " + p + " committed offset never goes back")
                    .isGreaterThanOrEqualTo(committedSoFar.getOrDefault(p, 0L));
            committedSoFar.put(p, offset);
        });
        return committed;
    }

    private static Map<String, String> settings(Path stateDir) {
        return cluster.serviceSettings(GROUP, stateDir, Map.of());
    }
}
