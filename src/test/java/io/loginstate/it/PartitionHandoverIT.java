package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.GroupOffsets;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.StoredCheckpoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * While both run, A forwards a query for a user of B's partitions and B, with forwarding switched
 * off, answers 421 for a user of A's.
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

    private static final int PORT_A = EmbeddedKafkaBroker.freePort();
    private static final int PORT_B = portOtherThan(PORT_A);

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
        StoredCheckpoints checkpoints = new StoredCheckpoints(cluster.store(), GROUP, TOPIC, PARTITIONS);
        ServiceLog logA = CheckpointedCluster.freshLog("handover-a.log");
        ServiceLog logB = CheckpointedCluster.freshLog("handover-b.log");
        Map<Integer, Long> committedSoFar = new HashMap<>();

        try (LoginStream stream = LoginStream.generate(new Random(seed), EVENTS, USERS);
                GroupOffsets group = new GroupOffsets(cluster.bootstrapServers(), GROUP, TOPIC, PARTITIONS);
                ServiceProcess a = ServiceProcess.start(
                        settings(cluster.workDir().resolve("state-a"), PORT_A, true), List.of(), logA.file(), PORT_A)) {

            stream.send(cluster.bootstrapServers(), TOPIC, 0, FIRST_PART, 100);
            await("A applies the first part")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> a.progress().partitions() == PARTITIONS
                            && a.progress().nextOffsets() == FIRST_PART);
            assertCommitted("A alone", group, checkpoints, committedSoFar);

            LoginStream.Sending sending =
                    stream.sendInBackground(cluster.bootstrapServers(), TOPIC, FIRST_PART, FLOWING_UNTIL, 1);
            try (ServiceProcess b = ServiceProcess.start(
                    settings(cluster.workDir().resolve("state-b"), PORT_B, false), List.of(), logB.file(), PORT_B)) {
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
                assertRouting(a, b, stream.expectedUpTo(FIRST_PART));

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

    private static Map<String, String> settings(Path stateDir, int port, boolean forwarding) {
        return cluster.serviceSettings(
                GROUP,
                stateDir,
                Map.of(
                        "login-state.instance.advertised-url",
                        "http://127.0.0.1:" + port,
                        "login-state.query.forwarding",
                        Boolean.toString(forwarding)));
    }

    /**
     * A (forwarding) answers a user of B's partitions with B's answer; B (forwarding off) answers a
     * user of A's partitions with 421 naming the partition.
     */
    private static void assertRouting(ServiceProcess a, ServiceProcess b, ExpectedLogins known) {
        // Events keep flowing and a cooperative rebalance may still be finishing: retried until settled.
        await("B answers 421 for a user of A's partitions, A forwards a user of B's")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Set<Integer> ofA = localPartitions(a);
                    Set<Integer> ofB = localPartitions(b);
                    String userOfA = null;
                    String userOfB = null;
                    for (String user : known.users().keySet()) {
                        int partition =
                                KeyPartitioner.MURMUR2.partition(user.getBytes(StandardCharsets.UTF_8), PARTITIONS);
                        if (userOfA == null && ofA.contains(partition)) {
                            userOfA = user;
                        } else if (userOfB == null && ofB.contains(partition)) {
                            userOfB = user;
                        }
                    }
                    assertThat(userOfA).as("a user on A's partitions %s", ofA).isNotNull();
                    assertThat(userOfB).as("a user on B's partitions %s", ofB).isNotNull();
                    ServiceProcess.Answer misdirected = b.get("/users/" + userOfA);
                    assertThat(misdirected.status()).as(misdirected.body()).isEqualTo(421);
                    assertThat(misdirected.json().path("error").asText()).isEqualTo("PARTITION_NOT_ASSIGNED");
                    assertThat(ofA)
                            .contains(misdirected.json().path("partition").asInt());
                    ServiceProcess.Answer forwarded = a.get("/users/" + userOfB);
                    assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(200);
                    assertThat(forwarded.json().path("userId").asText()).isEqualTo(userOfB);
                    assertThat(ofB).contains(forwarded.json().path("partition").asInt());
                });
    }

    private static int portOtherThan(int taken) {
        int port = EmbeddedKafkaBroker.freePort();
        while (port == taken) {
            port = EmbeddedKafkaBroker.freePort();
        }
        return port;
    }

    private static Set<Integer> localPartitions(ServiceProcess service) {
        Set<Integer> partitions = new TreeSet<>();
        service.get("/partitions?scope=local")
                .json()
                .forEach(row -> partitions.add(row.path("partition").asInt()));
        return partitions;
    }
}
