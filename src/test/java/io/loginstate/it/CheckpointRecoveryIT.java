package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.support.FaultPoints;
import io.loginstate.testing.CheckpointDamage;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.GroupOffsets;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ReliabilityFigures;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.StoredCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once state across crashes, with checkpoints in S3: the packaged service as a separate
 * JVM, a real broker, a real S3 server (S3Proxy). Login events are sent while the service runs and
 * the service is killed with SIGKILL, again and again: at a random point of the stream, or aimed at
 * a phase of a checkpoint or a restore ({@link Aim}): the service is started with
 * {@value FaultPoints#PROPERTY} naming the phase, parks there, and is killed once its log says so.
 * A restart is either a new pod with an empty state directory, which must restore each partition
 * from its latest checkpoint in the store (not replay the topic), or reuses a killed instance's
 * directory: the last one, whose state must never be older than the latest checkpoint, or one
 * from before the checkpoints moved past it, which must be replaced by a download (the restore
 * that is killed between its renames; the next run starts from what that kill left). After each
 * kill the group's committed offsets must not be ahead of the published checkpoints. At the end
 * every user's counts and last login equal those computed from the stream, and the last run (a new
 * pod) applied exactly the records after the checkpoints it restored.
 *
 * <p>Corrupt state: before some restarts (seeded, {@value #DAMAGE_PERCENT}% of those that can take
 * it) the down service's checkpoints or local state are damaged ({@link CheckpointDamage}): a table
 * file or a manifest of a published checkpoint flipped, truncated or deleted in the store, or, on a
 * kept disk, bytes in the middle of a local table file flipped. What a restore can still use is
 * judged from outside before the restart; a partition that must come from the store (an empty disk,
 * or a damaged local state) must be opened exactly at the newest usable checkpoint, or from offset 0
 * if none is, and the fallback must show in {@code login_state_restore_fallbacks_total}; damage a
 * restore does not read (an older checkpoint, a kept disk newer than the store) only must not make
 * anything inexact. Before the last run every published manifest of one partition is damaged: that
 * partition is rebuilt from the beginning of the topic, with an error naming it. At the end the
 * latest checkpoint of every partition must be restorable.
 *
 * <p>The number of kills is {@code -Drecovery.kills=N} (default {@value #DEFAULT_KILLS}: each aimed
 * phase once); the kills follow a rotation that is repeated. The stream and the random kill points
 * come from a seeded {@link Random}; the seed is printed and can be set with {@code -Dit.seed=...}
 * to repeat a run. The figures of the run are printed and written to
 * {@code target/reliability/recovery-kills.json}.
 */
class CheckpointRecoveryIT {

    static final String TOPIC = "logins";
    private static final String GROUP = "login-state-recovery";
    static final int PARTITIONS = 6;
    private static final int USERS = 3_000;
    /** Runs ended by SIGKILL by default; the run after them is the last one, which processes the rest. */
    private static final int DEFAULT_KILLS = 6;
    /** Events in the topic before the first start. */
    private static final int BACKLOG = 3_000;
    /** Each killed run is sent events one at a time (waiting for the broker each time) until it is killed, at most this many. */
    private static final int MAX_RUN_EVENTS = 5_000;
    /** A random kill comes once the run has processed between these many of its own events (and all earlier ones). */
    private static final int MIN_KILL_EVENTS = 300;

    private static final int MAX_KILL_EVENTS = 3_000;
    /** Events of the stream at least; the rest after the killed runs is sent during the last run. */
    private static final int EVENTS = 36_000;
    /** Events budgeted per kill for a longer run, and for the last run at least. */
    private static final int EVENTS_PER_KILL = 2_500;

    private static final int LAST_RUN_EVENTS = 6_000;
    /** The stream's events are a second apart and begin two days ago: more would lie in the future. */
    private static final int MAX_STREAM = 150_000;

    private static final String BUCKET = "login-state-it";
    private static final String PREFIX = "recovery/";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Restarts (after the first run, not killed mid-restore) whose checkpoints or local state are damaged first. */
    private static final int DAMAGE_PERCENT = 75;

    /** Where a run is killed: at a random point of its stream, or parked at a fault point. */
    enum Aim {
        RANDOM(null),
        /** The manifest is written, {@code LATEST} still names the previous checkpoint. */
        MANIFEST_WRITTEN("checkpoint.manifest-written"),
        /** {@code LATEST} names the new checkpoint, the group's offset is not committed yet. */
        LATEST_SWAPPED("checkpoint.latest-swapped"),
        /** Retention deleted one of the old checkpoints' objects, not the others. */
        RETENTION("checkpoint.retention"),
        /** A restore moved the old state directory away and has not moved the downloaded one in. */
        RESTORE_RENAMED_AWAY("restore.renamed-away");

        final String point;

        Aim(String point) {
            this.point = point;
        }
    }

    /** The state directory a run starts on. */
    enum Disk {
        /** A new pod's. */
        EMPTY,
        /** The previous run's. */
        KEPT,
        /** The one before the current pod's: older than the checkpoints the runs since then made. */
        OLDER
    }

    /**
     * @param overtake the run is killed only once every partition has a checkpoint beyond what the
     *                 topic held when it started, so the previous disk is then older than the store
     */
    record Kill(Aim aim, Disk disk, boolean overtake) {}

    /** The default run: each aimed phase once, two random kills. */
    private static final List<Kill> SHORT_ROTATION = List.of(
            new Kill(Aim.RANDOM, Disk.EMPTY, false),
            new Kill(Aim.MANIFEST_WRITTEN, Disk.KEPT, false),
            new Kill(Aim.RANDOM, Disk.EMPTY, true),
            new Kill(Aim.RESTORE_RENAMED_AWAY, Disk.OLDER, false),
            new Kill(Aim.LATEST_SWAPPED, Disk.KEPT, false),
            new Kill(Aim.RETENTION, Disk.EMPTY, false));
    /** A longer run repeats this: aimed and random kills alternate. */
    private static final List<Kill> LONG_ROTATION = List.of(
            new Kill(Aim.RANDOM, Disk.EMPTY, false),
            new Kill(Aim.MANIFEST_WRITTEN, Disk.KEPT, false),
            new Kill(Aim.RANDOM, Disk.EMPTY, true),
            new Kill(Aim.RESTORE_RENAMED_AWAY, Disk.OLDER, false),
            new Kill(Aim.RANDOM, Disk.KEPT, false),
            new Kill(Aim.LATEST_SWAPPED, Disk.EMPTY, false),
            new Kill(Aim.RANDOM, Disk.KEPT, false),
            new Kill(Aim.RETENTION, Disk.KEPT, false));

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

    /** The backend the service runs with ({@code login-state.state.backend}). */
    String backend() {
        return "rocksdb";
    }

    /** Whether a kept state directory holds the partitions' state across a restart. */
    boolean keepsLocalState() {
        return true;
    }

    /** The system property of the number of kills, and its default. */
    String killsProperty() {
        return "recovery.kills";
    }

    int defaultKills() {
        return DEFAULT_KILLS;
    }

    /** What else the last run, every user exact, must show of the backend. */
    void checkLastRun(ServiceProcess service, Path stateDir, ServiceLog log) throws Exception {}

    /** The name of the figures written to {@code target/reliability/}. */
    String figuresName() {
        return "recovery-kills";
    }

    List<Kill> schedule(int kills) {
        List<Kill> rotation = kills < LONG_ROTATION.size() ? SHORT_ROTATION : LONG_ROTATION;
        return IntStream.range(0, kills)
                .mapToObj(i -> rotation.get(i % rotation.size()))
                .toList();
    }

    @Test
    void everyUserIsExactAfterRepeatedKillsOnKeptAndEmptyStateDirectories() throws Exception {
        long began = System.nanoTime();
        long seed = Long.getLong("it.seed", new Random().nextLong());
        int kills = Integer.getInteger(killsProperty(), defaultKills());
        assertThat(kills).as(killsProperty()).isPositive();
        List<Kill> schedule = schedule(kills);
        HIGHEST_PUBLISHED.clear();
        System.out.println(getClass().getSimpleName() + " (" + backend() + ") seed " + seed + " (repeat with -Dit.seed="
                + seed + "), " + kills + " kills: "
                + schedule.stream().map(k -> k.aim() + "/" + k.disk()).toList());
        Random random = new Random(seed);
        StoredCheckpoints checkpoints = new StoredCheckpoints(cluster.store(), GROUP, TOPIC, PARTITIONS);
        int size = Math.min(MAX_STREAM, Math.max(EVENTS, BACKLOG + kills * EVENTS_PER_KILL + LAST_RUN_EVENTS));
        try (LoginStream stream = LoginStream.generate(new Random(seed), size, USERS);
                GroupOffsets group = new GroupOffsets(cluster.bootstrapServers(), GROUP, TOPIC, PARTITIONS)) {
            stream.send(cluster.bootstrapServers(), TOPIC, 0, BACKLOG, 500);
            int sent = BACKLOG;
            Path stateDir = null;
            Path olderDir = null;
            // Partitions whose directory the last kill left missing (in the middle of a restore's renames).
            Set<Integer> leftMissing = Set.of();
            int storeRestores = 0;
            int expectedStoreRestores = 1;
            int killedWhileSending = 0;
            Map<Aim, Integer> aimed = new EnumMap<>(Aim.class);
            Map<Disk, Integer> disks = new EnumMap<>(Disk.class);
            CheckpointDamage damage =
                    new CheckpointDamage(cluster.store(), cluster.objectDirectory(), GROUP, TOPIC, PARTITIONS);
            Map<CheckpointDamage.Kind, Integer> corruptions = new EnumMap<>(CheckpointDamage.Kind.class);
            int[] fallbacks = {0};

            for (int run = 0; run < kills; run++) {
                Kill kill = schedule.get(run);
                switch (kill.disk()) {
                    case EMPTY -> {
                        olderDir = stateDir;
                        stateDir = cluster.workDir().resolve("state-" + run);
                        assertThat(stateDir).doesNotExist();
                        expectedStoreRestores += run > 0 ? 1 : 0;
                    }
                    case KEPT -> {
                        assertThat(stateDir).isNotNull();
                        // Nothing of the state is on the disk: the restart restores from the store all the same.
                        expectedStoreRestores += keepsLocalState() ? 0 : 1;
                    }
                    case OLDER -> {
                        assertThat(olderDir)
                                .as("a disk from before the current pod")
                                .isNotNull();
                        Path current = stateDir;
                        stateDir = olderDir;
                        olderDir = current;
                    }
                }
                disks.merge(kill.disk(), 1, Integer::sum);
                if (kill.aim() != Aim.RANDOM) {
                    aimed.merge(kill.aim(), 1, Integer::sum);
                }
                boolean newPod = kill.disk() == Disk.EMPTY;
                boolean nothingLocal = newPod || !keepsLocalState();
                // Read before any damage: the offsets the checkpoints were published with stay known.
                checkpoints.latestOffsets();
                List<CheckpointDamage.Done> damaged =
                        run > 0 && kill.aim() != Aim.RESTORE_RENAMED_AWAY && random.nextInt(100) < DAMAGE_PERCENT
                                ? damage(damage, random, kill.disk(), stateDir)
                                : List.of();
                damaged.forEach(d -> corruptions.merge(d.kind(), 1, Integer::sum));
                Map<Integer, CheckpointDamage.Restorable> restorable = damage.restorable();
                Map<Integer, Long> endAtStart = group.endOffsets();
                ServiceLog log = CheckpointedCluster.freshLog("checkpoint-recovery-run" + run + ".log");
                int limit = Math.min(sent + MAX_RUN_EVENTS, size - LAST_RUN_EVENTS);
                String what = "seed " + seed + ", run " + run + " (" + kill.aim() + ", " + kill.disk() + " state dir"
                        + (damaged.isEmpty() ? "" : ", damaged " + damaged) + ")";
                Map<String, String> settings = settings(stateDir, kill.aim());
                try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log.file())) {
                    if (kill.aim() == Aim.RESTORE_RENAMED_AWAY) {
                        // Killed while opening: no partition opens before the kill.
                        awaitFaultPoint(service, log, kill.aim(), what);
                        service.kill();
                        leftMissing = assertLeftMidRestore(what, stateDir);
                        System.out.printf(
                                "%s: killed between a restore's renames; partitions without a state"
                                        + " directory %s%n",
                                what, leftMissing);
                        assertCommittedWithinDurable(what, group, checkpoints);
                        continue;
                    }
                    Map<Integer, Long> opened = awaitOpened(service, log, what);
                    Set<Integer> fromStore = new TreeSet<>(leftMissing);
                    damaged.stream()
                            .filter(d -> d.kind() == CheckpointDamage.Kind.LOCAL_SST_FLIPPED)
                            .forEach(d -> {
                                assertThat(log.lines("Partition " + TOPIC + "-" + d.partition()
                                                + ": local state is corrupt"))
                                        .as(what + ": the damaged local state of partition " + d.partition()
                                                + " was noticed")
                                        .isNotEmpty();
                                fromStore.add(d.partition());
                            });
                    if (assertRestartPosition(
                            what, run > 0 && nothingLocal, fromStore, restorable, opened, log, service, fallbacks)) {
                        storeRestores++;
                    }
                    leftMissing = Set.of();
                    LoginStream.Sending sending =
                            stream.sendInBackground(cluster.bootstrapServers(), TOPIC, sent, limit, 1);
                    ServiceProcess.Progress atKill;
                    String how;
                    if (kill.aim() == Aim.RANDOM) {
                        // Killed a random number of events into this run's sending, and for half of the
                        // runs only after this run has published a checkpoint of every partition; always
                        // the first run, so the first new pod has something to restore.
                        long target = Math.min(
                                limit, sent + MIN_KILL_EVENTS + random.nextInt(MAX_KILL_EVENTS - MIN_KILL_EVENTS));
                        boolean afterCheckpoint = run == 0 || random.nextBoolean();
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
                        if (kill.overtake()) {
                            await(what + ": every partition checkpointed beyond the topic's end at the start "
                                            + endAtStart)
                                    .atMost(TIMEOUT)
                                    .pollInterval(Duration.ofMillis(200))
                                    .until(() -> overtaken(checkpoints.latestOffsets(), endAtStart));
                        }
                        atKill = service.progress();
                        service.kill();
                        how = "at random, target " + target + (afterCheckpoint ? ", after a checkpoint" : "")
                                + (kill.overtake() ? ", checkpoints past " + endAtStart : "");
                    } else {
                        awaitFaultPoint(service, log, kill.aim(), what);
                        atKill = service.progress();
                        service.kill();
                        how = "at " + kill.aim().point;
                    }
                    boolean flowing = sending.running();
                    long killedAfter = sending.elapsed().toMillis();
                    int from = sent;
                    sent = sending.stop();
                    killedWhileSending += flowing ? 1 : 0;
                    System.out.printf(
                            "%s: killed %d ms after sending began, at offset sum %d (%s); events %d..%d sent%s%n",
                            what,
                            killedAfter,
                            atKill.nextOffsets(),
                            how,
                            from,
                            sent,
                            flowing ? ", still sending when killed" : ", all sent before the kill");
                }
                assertCommittedWithinDurable(what, group, checkpoints);
            }

            stateDir = cluster.workDir().resolve("state-" + kills);
            disks.merge(Disk.EMPTY, 1, Integer::sum);
            int total = Math.max(EVENTS, sent + LAST_RUN_EVENTS);
            ExpectedLogins expected = stream.expectedUpTo(total);
            checkpoints.latestOffsets(); // before the damage, as above
            // Every checkpoint of one partition bad: its state is rebuilt from the topic's beginning.
            int allBad = random.nextInt(PARTITIONS);
            List<CheckpointDamage.Done> manifests = damage.damageEveryManifest(allBad, random);
            assertThat(manifests)
                    .as("published manifests of partition " + allBad)
                    .isNotEmpty();
            Map<Integer, CheckpointDamage.Restorable> restorable = damage.restorable();
            assertThat(restorable.get(allBad).usableId())
                    .as("partition " + allBad + " has no usable checkpoint left")
                    .isEqualTo(-1);
            ServiceLog log = CheckpointedCluster.freshLog("checkpoint-recovery-run" + kills + ".log");
            String what = "seed " + seed + ", last run (empty state dir, every manifest of partition " + allBad
                    + " damaged: " + manifests + ")";
            long replayed;
            try (ServiceProcess service = ServiceProcess.start(settings(stateDir, Aim.RANDOM), List.of(), log.file())) {
                Map<Integer, Long> opened = awaitOpened(service, log, what);
                assertThat(assertRestartPosition(what, true, Set.of(), restorable, opened, log, service, fallbacks))
                        .isTrue();
                assertThat(opened.get(allBad))
                        .as(what + ": partition " + allBad + " rebuilt from the beginning")
                        .isZero();
                storeRestores++;
                long restored = log.restoredAt().values().stream()
                        .mapToLong(Long::longValue)
                        .sum();

                assertThat(total - sent).as("events left for the last run").isPositive();
                LoginStream.Sending sending =
                        stream.sendInBackground(cluster.bootstrapServers(), TOPIC, sent, total, 100);
                await(what + ": every event applied")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> service.progress().partitions() == PARTITIONS
                                && service.progress().nextOffsets() == total);
                assertThat(sending.await()).isEqualTo(total);
                await(what + ": ready").atMost(Duration.ofSeconds(30)).until(service::ready);

                // The state came from the checkpoints: this run applied exactly the records after them.
                await(what + ": records applied by the last run")
                        .atMost(Duration.ofSeconds(5))
                        .untilAsserted(() ->
                                assertThat(service.progress().appliedRecords()).isEqualTo(total - restored));
                LoginStream.assertEveryUser(service, expected);
                checkLastRun(service, stateDir, log);

                // Checkpoints go on; once one covers everything, its offsets are the group's.
                Map<Integer, Long> end = group.endOffsets();
                assertThat(end.values().stream().mapToLong(Long::longValue).sum())
                        .isEqualTo(total);
                await(what + ": committed offsets reach the end offsets")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(group.committed()).isEqualTo(end));
                assertThat(checkpoints.latestOffsets()).isEqualTo(end);
                checkpoints.assertLatestComplete();

                replayed = end.get(allBad);

                assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
            }
            // Whatever was damaged, the checkpoints made since are whole: the next restore can use them.
            Map<Integer, CheckpointDamage.Restorable> after = damage.restorable();
            assertThat(after).as("partitions with a published checkpoint").hasSize(PARTITIONS);
            after.forEach((p, r) -> assertThat(r.latestUsable())
                    .as("seed " + seed + ": the latest checkpoint of partition " + p + " is restorable: " + r)
                    .isTrue());
            assertThat(storeRestores)
                    .as("restarts with an empty state dir that restored from the store")
                    .isEqualTo(expectedStoreRestores);
            System.out.printf(
                    "seed %d: %d of %d kills while events were being sent%n", seed, killedWhileSending, kills);
            reportFigures(
                    figuresName(),
                    seed,
                    kills,
                    aimed,
                    disks,
                    corruptions,
                    fallbacks[0],
                    "partition " + allBad + ", " + manifests.size() + " manifests damaged, " + replayed
                            + " records replayed",
                    total,
                    expected.users().size(),
                    System.nanoTime() - began);
        }
    }

    /** Prints the run's figures in one line and writes them to {@code target/reliability/recovery-kills.json}. */
    private void reportFigures(
            String name,
            long seed,
            int kills,
            Map<Aim, Integer> aimed,
            Map<Disk, Integer> disks,
            Map<CheckpointDamage.Kind, Integer> corruptions,
            int fallbacks,
            String allBad,
            int events,
            int users,
            long nanos)
            throws IOException {
        int aimedKills = aimed.values().stream().mapToInt(Integer::intValue).sum();
        int empty = disks.getOrDefault(Disk.EMPTY, 0);
        int kept = disks.getOrDefault(Disk.KEPT, 0) + disks.getOrDefault(Disk.OLDER, 0);
        long seconds = Math.round(nanos / 1e9);
        String perPoint = Stream.of(Aim.values())
                .filter(aim -> aim != Aim.RANDOM)
                .map(aim -> aim.point + ":" + aimed.getOrDefault(aim, 0))
                .collect(Collectors.joining(","));
        System.out.printf(
                getClass().getSimpleName() + " figures: backend=" + backend()
                        + " kills=%d aimed=%d (%s) random=%d emptyDisks=%d keptDisks=%d"
                        + " (older than the checkpoints %d) events=%d users=%d seconds=%d seed=%d exact%n",
                kills,
                aimedKills,
                perPoint,
                kills - aimedKills,
                empty,
                kept,
                disks.getOrDefault(Disk.OLDER, 0),
                events,
                users,
                seconds,
                seed);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("kills", kills);
        figures.put("aimed at checkpoint phases", aimedKills + " (" + perPoint + ")");
        figures.put("random", kills - aimedKills);
        figures.put("restarts on an empty disk", empty);
        figures.put("on a kept disk", kept);
        figures.put("of them older than the checkpoints", disks.getOrDefault(Disk.OLDER, 0));
        String byKind = Stream.of(CheckpointDamage.Kind.values())
                .map(kind -> kind.label + ": " + corruptions.getOrDefault(kind, 0))
                .collect(Collectors.joining(", "));
        figures.put(
                "corrupted objects before restarts",
                corruptions.values().stream().mapToInt(Integer::intValue).sum() + " (" + byKind + ")");
        figures.put("restores that fell back past a damaged checkpoint", fallbacks);
        figures.put("all checkpoints bad: replayed from the topic", allBad);
        figures.put("events", events);
        figures.put("users exact", users);
        figures.put("seconds", seconds);
        figures.put("seed", seed);
        ReliabilityFigures.record(
                name,
                getClass().getSimpleName() + " (" + backend()
                        + "): SIGKILLs at random moments and at checkpoint phases, alternating empty and"
                        + " kept disks, corrupted checkpoints and local table files",
                figures);
    }

    /** Waits for the log line of the aimed fault point: the thread that reached it is parked there. */
    private static void awaitFaultPoint(ServiceProcess service, ServiceLog log, Aim aim, String what) {
        await(what + ": fault point " + aim.point + " reached")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    assertThat(service.isAlive()).as(what + ": service alive").isTrue();
                    return log.faultPointReached(aim.point);
                });
    }

    /**
     * A kill between a restore's renames leaves a partition without its state directory, with the
     * downloaded one beside it; returns the partitions so left.
     */
    private static Set<Integer> assertLeftMidRestore(String what, Path stateDir) throws IOException {
        Set<Integer> missing = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            Path directory = stateDir.resolve(TOPIC + "-" + p);
            if (!Files.exists(directory)) {
                missing.add(p);
                assertThat(stateDir.resolve(TOPIC + "-" + p + ".restoring"))
                        .as(what + ": the downloaded directory of partition " + p)
                        .isDirectory();
                assertThat(stateDir.resolve(TOPIC + "-" + p + ".discarded"))
                        .as(what + ": the replaced directory of partition " + p)
                        .isDirectory();
            }
        }
        assertThat(missing).as(what + ": partitions killed between the renames").isNotEmpty();
        return missing;
    }

    /** Every partition's latest checkpoint lies beyond {@code before}. */
    private static boolean overtaken(Map<Integer, Long> checkpoints, Map<Integer, Long> before) {
        for (int p = 0; p < PARTITIONS; p++) {
            if (checkpoints.getOrDefault(p, -1L) <= before.getOrDefault(p, 0L)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Damages the down service's checkpoints in the store, or on a kept disk its local table files,
     * for the restart to come.
     */
    private static List<CheckpointDamage.Done> damage(
            CheckpointDamage damage, Random random, Disk disk, Path stateDir) {
        List<CheckpointDamage.Done> done = new ArrayList<>();
        if (disk != Disk.EMPTY && random.nextBoolean()) {
            damage.damageLocalTable(stateDir, random.nextInt(PARTITIONS)).ifPresent(done::add);
        }
        if (done.isEmpty()) {
            damage.damageStore(random).ifPresent(done::add);
        }
        return done;
    }

    /**
     * Every partition is opened at least at its newest usable checkpoint (a restart never goes back
     * behind it). A partition that must come from the store (every one on an empty state dir, and
     * {@code fromStore}: left without its directory, or with its local state damaged) must have been
     * downloaded from that very checkpoint and opened at its offset, or, if none is usable, opened at
     * offset 0 with an error naming it; a restore that could not use the latest checkpoint must be
     * counted as a fallback. Returns true for an empty state dir.
     */
    private static boolean assertRestartPosition(
            String what,
            boolean emptyDir,
            Set<Integer> fromStore,
            Map<Integer, CheckpointDamage.Restorable> restorable,
            Map<Integer, Long> opened,
            ServiceLog log,
            ServiceProcess service,
            int[] fallbacks) {
        Map<Integer, Long> restored = log.restoredAt();
        System.out.printf(
                "%s: store had %s; opened at %s; downloaded %s; kept local %s%n",
                what, restorable, opened, restored, log.keptLocalAt());
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(opened.get(p))
                    .as(what + ": partition " + p + " opened at least at its newest usable checkpoint")
                    .isGreaterThanOrEqualTo(usableOffset(restorable, p).orElse(0L));
        }
        Set<Integer> mustRestore = new TreeSet<>(fromStore);
        if (emptyDir) {
            assertThat(restorable)
                    .as(what + ": every partition has a checkpoint in the store")
                    .hasSize(PARTITIONS);
            IntStream.range(0, PARTITIONS).forEach(mustRestore::add);
        }
        if (mustRestore.isEmpty()) {
            return false;
        }
        PrometheusScrape metrics = PrometheusScrape.of(service);
        for (int p : mustRestore) {
            Optional<Long> usable = usableOffset(restorable, p);
            assertThat(Optional.ofNullable(restored.get(p)))
                    .as(what + ": partition " + p + " restored from its newest usable checkpoint")
                    .isEqualTo(usable);
            assertThat(opened.get(p))
                    .as(what + ": partition " + p + " opened where that checkpoint ends, or at 0")
                    .isEqualTo(usable.orElse(0L));
            CheckpointDamage.Restorable r = restorable.get(p);
            if (r != null && !r.latestUsable()) {
                String outcome = usable.isPresent() ? "previous" : "replay";
                assertThat(metrics.sum(
                                "login_state_restore_fallbacks_total",
                                Map.of("partition", Integer.toString(p), "outcome", outcome)))
                        .as(what + ": partition " + p + " fell back (" + outcome + ") past its damaged checkpoint "
                                + r.latestId())
                        .isEqualTo(1.0);
                assertThat(metrics.sum(
                                "login_state_restore_checkpoints_skipped_total",
                                Map.of("partition", Integer.toString(p))))
                        .as(what + ": partition " + p + ": skipped checkpoints")
                        .isGreaterThanOrEqualTo(1.0);
                fallbacks[0]++;
            }
            if (r != null && usable.isEmpty()) {
                assertThat(log.lines("Partition " + TOPIC + "-" + p + ": no checkpoint could be restored"))
                        .as(what + ": an error names partition " + p + ", rebuilt from the beginning of the topic")
                        .anySatisfy(line -> assertThat(line).contains("\"level\":\"ERROR\""));
            }
        }
        long bytes =
                log.restoredBytes().values().stream().mapToLong(Long::longValue).sum();
        assertThat(PrometheusScrape.of(service).sum("login_state_restore_bytes_total"))
                .as(what + ": restore bytes metric")
                .isEqualTo((double) bytes);
        if (emptyDir) {
            assertThat(bytes).as(what + ": bytes downloaded").isPositive();
        }
        return emptyDir;
    }

    private static Optional<Long> usableOffset(Map<Integer, CheckpointDamage.Restorable> restorable, int p) {
        CheckpointDamage.Restorable r = restorable.get(p);
        return r == null || r.usableId() < 0 ? Optional.empty() : Optional.of(r.offset());
    }

    /**
     * Per partition, the highest offset a published checkpoint has had: a restore that falls back
     * past a damaged checkpoint publishes lower offsets again, while the group's offset stays where
     * the damaged one had put it (the group's offset is only a progress report; no restore reads it).
     */
    private static final Map<Integer, Long> HIGHEST_PUBLISHED = new HashMap<>();

    /**
     * The group's committed offsets never run ahead of what a published checkpoint has reached,
     * nor of the topic.
     */
    private static void assertCommittedWithinDurable(String what, GroupOffsets group, StoredCheckpoints checkpoints) {
        Map<Integer, Long> committed = group.committed();
        Map<Integer, Long> durable = checkpoints.latestOffsets();
        durable.forEach((p, offset) -> HIGHEST_PUBLISHED.merge(p, offset, Math::max));
        Map<Integer, Long> end = group.endOffsets();
        System.out.printf("%s: committed %s, checkpoints %s, end %s%n", what, committed, durable, end);
        committed.forEach((p, offset) -> {
            assertThat(offset)
                    .as(what + ": partition " + p + " committed offset vs the highest its checkpoints reached")
                    .isLessThanOrEqualTo(HIGHEST_PUBLISHED.getOrDefault(p, 0L));
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

    private Map<String, String> settings(Path stateDir, Aim aim) {
        Map<String, String> settings = new HashMap<>();
        settings.put("login-state.checkpoint.retained", "2");
        settings.put("login-state.state.backend", backend());
        if (aim.point != null) {
            settings.put(FaultPoints.PROPERTY, aim.point);
        }
        return cluster.serviceSettings(GROUP, stateDir, settings);
    }
}
