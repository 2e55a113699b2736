package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.DaemonThreads;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.HeadlessChromium;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ReliabilityFigures;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.StoredCheckpoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three instances of the packaged service with static membership share one consumer group (8
 * partitions) and one bucket in S3Proxy, and behave as one service:
 *
 * <ol>
 *   <li>every user of the stream, queried on every instance, equals the state computed from the
 *       stream (a third of the answers are local, the rest forwarded to the owner);
 *   <li>{@code GET /partitions} on any instance lists all partitions with their owners, and the
 *       status page at {@code /}, loaded in headless Chromium, shows the same table;
 *   <li>a savepoint requested on one instance completes with the parts written by each
 *       partition's owner, at the offsets {@code /partitions} shows;
 *   <li>a restart of one instance within the session timeout (same id, same state directory) moves
 *       no partition of the others and downloads nothing from the object store;
 *   <li>while events flow, one instance is killed with SIGKILL and a new one with an empty disk
 *       joins: every query meanwhile answers 200, or 503 with Retry-After, never 404 for a known
 *       user nor any other error;
 *   <li>a rebalance storm, still while events flow: {@code -Dstorm.events} more events (none unless
 *       told: each takes 15 to 45 s on a loaded machine), each picked at random among a SIGKILL and
 *       restart with the disk kept, a SIGTERM and restart with an empty disk, a fourth instance
 *       joining and leaving, and a restart within the session timeout; afterwards every user is
 *       exact on every live instance.
 * </ol>
 *
 * It prints query latencies (local and forwarded, while ingesting) and, from a sampler of every
 * instance's own partitions every 200 ms, the longest time a partition was active nowhere, over the
 * restart, the kill and join and the storm, and which event it followed (at most a minute: the
 * session timeout, a start and a restore); the figures also go to
 * {@code target/reliability/rebalance-storm.json}.
 */
class FleetIT {

    private static final String TOPIC = "logins";
    private static final String GROUP = "login-state-fleet";
    private static final int PARTITIONS = 8;
    private static final int USERS = 2_000;
    /** Sent while the three instances run; all checkpointed before anything moves. */
    private static final int FIRST_PART = 20_000;
    /** Sent in the background while latencies are measured. */
    private static final int SECOND_PART = 28_000;
    /** Sent at a steady pace from just before the kill until the last storm event is over. */
    private static final int FLOWING_PER_SECOND = 320;

    private static final int INGEST_PER_SECOND = 2_000;

    /**
     * Scale and restart events after the kill and join, with {@code -Dstorm.events}: each one a
     * SIGKILL and restart with the disk kept, a SIGTERM and restart with an empty disk, a fourth
     * instance joining and leaving again, or a restart within the session timeout.
     */
    private static final int DEFAULT_STORM_EVENTS = 0;

    private static final List<String> STORM_KINDS = List.of("kill", "term", "scale", "static");
    /** How long the flow must last: the kill and the join, and each storm event. */
    private static final int FLOW_SECONDS = 240;

    private static final int FLOW_SECONDS_PER_EVENT = 90;

    /** Bound on the time a partition is active nowhere: a session timeout, a start and a restore, with room. */
    private static final Duration LONGEST_STALL = Duration.ofSeconds(60);

    private static final String SESSION_TIMEOUT_MS = "15000";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String BUCKET = "login-state-it";
    private static final String PREFIX = "fleet/";
    private static final List<String> JVM = List.of("-Xmx384m", "-XX:+UseSerialGC");
    private static final Pattern ROW = Pattern.compile(
            "<tr data-partition=\"(\\d+)\"><td>\\d+</td><td class=\"text\">(?:<a href=\"[^\"]*\">)?([^<]*)(?:</a>)?</td>"
                    + "<td class=\"text (\\w+)\">");

    private static CheckpointedCluster cluster;

    @BeforeAll
    static void startBrokerAndStore() throws Exception {
        cluster = CheckpointedCluster.start("login-state-fleet", TOPIC, PARTITIONS, BUCKET, PREFIX);
    }

    @AfterAll
    static void stopBrokerAndStore() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** One member of the fleet: a stable id, port and state directory, and its current process. */
    private static final class Member implements AutoCloseable {
        final String id;
        final int port = EmbeddedKafkaBroker.freePort();
        final Path stateDir;
        volatile ServiceLog log;
        volatile ServiceProcess process;

        Member(String id) {
            this.id = id;
            this.stateDir = cluster.workDir().resolve("state-" + id);
        }

        Member start(String logName) throws Exception {
            log = CheckpointedCluster.freshLog(logName);
            Map<String, String> overrides = Map.of(
                    "login-state.instance.id",
                    id,
                    "login-state.instance.advertised-url",
                    "http://127.0.0.1:" + port,
                    "login-state.instance.static-membership",
                    "true",
                    "mp.messaging.incoming.logins.session.timeout.ms",
                    SESSION_TIMEOUT_MS);
            process = ServiceProcess.start(cluster.serviceSettings(GROUP, stateDir, overrides), JVM, log.file(), port);
            return this;
        }

        ServiceProcess.Answer get(String path) {
            return process.get(path);
        }

        @Override
        public void close() throws Exception {
            if (process != null) {
                process.close();
            }
        }
    }

    private record Row(String owner, String status, long nextOffset, Long lag) {}

    /** The fleet's partitions as {@code member} reports them; empty if it does not answer. */
    private static Map<Integer, Row> fleet(Member member) {
        ServiceProcess.Answer answer = member.get("/partitions");
        Map<Integer, Row> rows = new TreeMap<>();
        if (answer.status() != 200) {
            return rows;
        }
        for (JsonNode row : answer.json()) {
            rows.put(
                    row.path("partition").asInt(),
                    new Row(
                            row.path("owner").asText(null),
                            row.path("status").asText(),
                            row.path("nextOffset").asLong(-1),
                            row.has("lag") ? row.path("lag").asLong() : null));
        }
        return rows;
    }

    /** Partition to owner, once {@code member} sees every partition active with one of {@code owners}. */
    private static Map<Integer, String> settledOwners(Member member, Set<String> owners) {
        Map<Integer, Row> rows = fleet(member);
        if (rows.size() != PARTITIONS) {
            return null;
        }
        Map<Integer, String> result = new TreeMap<>();
        for (Map.Entry<Integer, Row> row : rows.entrySet()) {
            if (!row.getValue().status().equals("ACTIVE")
                    || !owners.contains(row.getValue().owner())) {
                return null;
            }
            result.put(row.getKey(), row.getValue().owner());
        }
        return Set.copyOf(result.values()).equals(owners) ? result : null;
    }

    private static long appliedEverywhere(List<Member> members) {
        return members.stream()
                .mapToLong(member -> member.process.progress().nextOffsets())
                .sum();
    }

    private static int partitionOf(String user) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    @Test
    void theFleetAnswersForEveryUserThroughARestartAKillAndAJoin() throws Exception {
        long seed = Long.getLong("it.seed", new Random().nextLong());
        System.out.println("FleetIT seed " + seed + " (repeat with -Dit.seed=" + seed + ")");
        StoredCheckpoints checkpoints = new StoredCheckpoints(cluster.store(), GROUP, TOPIC, PARTITIONS);
        int plannedStormEvents = Integer.getInteger("storm.events", DEFAULT_STORM_EVENTS);
        int streamSize =
                SECOND_PART + FLOWING_PER_SECOND * (FLOW_SECONDS + FLOW_SECONDS_PER_EVENT * plannedStormEvents);
        try (LoginStream stream = LoginStream.generate(new Random(seed), streamSize, USERS);
                Member a = new Member("a").start("fleet-a.log");
                Member b = new Member("b").start("fleet-b.log");
                Member c = new Member("c").start("fleet-c.log");
                Member d = new Member("d");
                Member e = new Member("e")) {
            List<Member> abc = List.of(a, b, c);
            Map<Integer, String> owners = await("three instances share the partitions")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> settledOwners(a, Set.of("a", "b", "c")), found -> found != null);
            System.out.println("owners: " + owners);

            // 1. Every user on every instance.
            stream.send(cluster.bootstrapServers(), TOPIC, 0, FIRST_PART, 500);
            await("the first part is applied")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> appliedEverywhere(abc) == FIRST_PART);
            await("the first part is checkpointed")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> checkpoints.latestOffsets().values().stream()
                                    .mapToLong(Long::longValue)
                                    .sum()
                            == FIRST_PART);
            ExpectedLogins firstPart = stream.expectedUpTo(FIRST_PART);
            for (Member member : abc) {
                LoginStream.assertEveryUser(member.process, firstPart);
            }

            // 2. The fleet at a glance, as JSON on every instance and as a page in a browser.
            for (Member member : abc) {
                Map<Integer, Row> rows = fleet(member);
                assertThat(rows).as("partitions listed by " + member.id).hasSize(PARTITIONS);
                rows.forEach((partition, row) -> {
                    assertThat(row.owner())
                            .as("owner of %d on %s", partition, member.id)
                            .isEqualTo(owners.get(partition));
                    assertThat(row.lag())
                            .as("lag of %d on %s", partition, member.id)
                            .isZero();
                });
                assertThat(rows.values().stream().mapToLong(Row::nextOffset).sum())
                        .isEqualTo(FIRST_PART);
            }
            String dom = HeadlessChromium.locateOrInstall().dumpDom("http://127.0.0.1:" + b.port + "/");
            Map<Integer, String[]> shown = new TreeMap<>();
            Matcher matcher = ROW.matcher(dom);
            while (matcher.find()) {
                shown.put(Integer.parseInt(matcher.group(1)), new String[] {matcher.group(2), matcher.group(3)});
            }
            assertThat(shown).as("rows of the status page: " + dom).hasSize(PARTITIONS);
            shown.forEach((partition, cells) -> {
                assertThat(cells[0]).as("owner shown for " + partition).isEqualTo(owners.get(partition));
                assertThat(cells[1]).as("status shown for " + partition).isEqualTo("ACTIVE");
            });
            assertThat(dom).contains("<meta http-equiv=\"refresh\"").contains("id=\"instance\">b<");

            // A savepoint of the fleet, requested on one instance, each part written by its owner.
            ServiceProcess.Answer requested = c.process.post("/admin/savepoints");
            assertThat(requested.status()).as(requested.body()).isEqualTo(202);
            String savepoint = requested.json().path("id").asText();
            JsonNode complete = await("savepoint " + savepoint + " completes")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> a.get("/admin/savepoints/" + savepoint),
                            answer -> answer.status() == 200
                                    && answer.json().path("state").asText().equals("complete"))
                    .json();
            Map<Integer, Row> atSavepoint = fleet(a);
            Set<String> writers = new HashSet<>();
            for (JsonNode part : complete.path("manifest").path("parts")) {
                int partition = part.path("partition").asInt();
                assertThat(part.path("nextOffset").asLong())
                        .as("offset of partition %d in the savepoint", partition)
                        .isEqualTo(atSavepoint.get(partition).nextOffset());
                assertThat(part.path("writtenBy").asText())
                        .as("writer of partition %d", partition)
                        .isEqualTo(owners.get(partition));
                writers.add(part.path("writtenBy").asText());
            }
            assertThat(complete.path("manifest").path("parts")).hasSize(PARTITIONS);
            assertThat(writers).as("parts written by their owners").hasSizeGreaterThanOrEqualTo(2);

            // Latency of local and forwarded queries while ingesting.
            LoginStream.Sending ingest = stream.sendInBackground(
                    cluster.bootstrapServers(), TOPIC, FIRST_PART, SECOND_PART, 200, INGEST_PER_SECOND);
            List<String> known = new ArrayList<>(firstPart.users().keySet());
            for (String user : known.subList(0, 300)) {
                assertThat(a.get("/users/" + user).status()).as("warm-up query").isEqualTo(200);
            }
            List<Long> local = new ArrayList<>();
            List<Long> forwarded = new ArrayList<>();
            Random pick = new Random(seed);
            while (ingest.running() || local.size() + forwarded.size() < 400) {
                String user = known.get(pick.nextInt(known.size()));
                long started = System.nanoTime();
                ServiceProcess.Answer answer = a.get("/users/" + user);
                long nanos = System.nanoTime() - started;
                assertThat(answer.status())
                        .as(user + " while ingesting: " + answer.body())
                        .isEqualTo(200);
                (owners.get(partitionOf(user)).equals("a") ? local : forwarded).add(nanos);
            }
            ingest.await();
            System.out.printf(
                    Locale.ROOT,
                    "query latency while ingesting %d events/s: local p50 %.2f ms p99 %.2f ms (%d queries),"
                            + " forwarded p50 %.2f ms p99 %.2f ms (%d queries)%n",
                    INGEST_PER_SECOND,
                    percentile(local, 50),
                    percentile(local, 99),
                    local.size(),
                    percentile(forwarded, 50),
                    percentile(forwarded, 99),
                    forwarded.size());
            assertThat(local).isNotEmpty();
            assertThat(forwarded).isNotEmpty();
            await("the second part is applied")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> appliedEverywhere(abc) == SECOND_PART);

            // From here on a sampler measures how long each partition goes unserved.
            StallSampler stalls = new StallSampler(List.of(a, b, c, d, e));
            ExecutorService sampling = Executors.newSingleThreadExecutor(DaemonThreads.named("stall-sampler-"));
            Future<?> sampled = sampling.submit(stalls);
            long stormStarted = System.nanoTime();

            // 3. A restart within the session timeout moves nothing and downloads nothing.
            stalls.event("static", "static restart of b (step 3)");
            int rebalancesOfA = rebalances(a.log);
            int rebalancesOfC = rebalances(c.log);
            Set<Integer> ofB = partitionsOf(owners, "b");
            assertThat(b.process.stop(TIMEOUT))
                    .as("B's exit code after SIGTERM")
                    .isIn(0, 143);
            b.start("fleet-b-restarted.log");
            await("B is back")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> b.process.ready() && b.process.progress().partitions() == ofB.size());
            assertThat(settledOwners(a, Set.of("a", "b", "c")))
                    .as("owners after B's restart")
                    .isEqualTo(owners);
            stalls.settled();
            assertThat(rebalances(a.log)).as("A saw no rebalance").isEqualTo(rebalancesOfA);
            assertThat(rebalances(c.log)).as("C saw no rebalance").isEqualTo(rebalancesOfC);
            assertThat(b.log.keptLocalAt().keySet())
                    .as("B kept its local state for its partitions")
                    .isEqualTo(ofB);
            assertThat(b.log.restoredAt()).as("B downloaded no checkpoint").isEmpty();
            assertThat(PrometheusScrape.of(b.process).sum("login_state_restore_bytes_total"))
                    .isZero();

            // 4. Kill one, join a new one with an empty disk, while events flow and queries come. The
            // flow goes on until the end of the storm. (It starts only now: with it, a start of B under
            // load can outlast the session timeout of step 3.)
            LoginStream.Sending flowing = stream.sendInBackground(
                    cluster.bootstrapServers(), TOPIC, SECOND_PART, stream.size(), 50, FLOWING_PER_SECOND);
            Map<Member, Boolean> live = new ConcurrentHashMap<>(Map.of(a, true, b, true));
            QueryLoad queries = new QueryLoad(known, live, seed);
            ExecutorService background = Executors.newFixedThreadPool(1);
            Future<?> querying = background.submit(queries);
            String killAndJoin = "kill of c and join of d with an empty disk (step 4)";
            try {
                await("queries are being answered").atMost(TIMEOUT).until(() -> queries.answers.get() > 200);
                stalls.event("kill", killAndJoin);
                c.process.kill();
                long killedAt = System.nanoTime();
                d.start("fleet-d.log");
                await("D is up")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(d.process::ready);
                live.put(d, true);
                Map<Integer, String> after = await("A, B and D own every partition")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> settledOwners(a, Set.of("a", "b", "d")), found -> found != null);
                System.out.printf(
                        "owners after the kill and join (%.1f s after the kill): %s%n",
                        (System.nanoTime() - killedAt) / 1e9, after);
                assertThat(flowing.running())
                        .as("events were still flowing when the move ended")
                        .isTrue();
            } finally {
                queries.stop.set(true);
                querying.get(30, TimeUnit.SECONDS);
                background.shutdownNow();
            }
            stalls.settled();
            System.out.printf(
                    Locale.ROOT,
                    "during the move: %s answers by status; longest time a partition had no active owner: %.1f s;"
                            + " session timeout %s ms%n",
                    queries.byStatus,
                    stalls.longestNanosOf(killAndJoin) / 1e9,
                    SESSION_TIMEOUT_MS);
            assertThat(queries.violations)
                    .as("answers other than 200 or 503 with Retry-After")
                    .isEmpty();
            assertThat(queries.byStatus).containsKey(200);
            assertThat(PrometheusScrape.of(d.process).sum("login_state_restore_bytes_total"))
                    .as("D restored what C held from the object store")
                    .isPositive();

            // 5. The storm: more kills, stops, scale-ups and restarts of A, B and D while events flow.
            List<Member> abd = List.of(a, b, d);
            Random storm = new Random(seed + 2);
            for (int event = 1; event <= plannedStormEvents; event++) {
                String kind = STORM_KINDS.get(storm.nextInt(STORM_KINDS.size()));
                Member target = abd.get(storm.nextInt(abd.size()));
                Member observer = abd.get((abd.indexOf(target) + 1) % abd.size());
                stormEvent(event, kind, target, observer, e, stalls);
                assertThat(flowing.running())
                        .as("events were still flowing after storm event " + event)
                        .isTrue();
            }
            int sent = flowing.stop();
            double stormSeconds = (System.nanoTime() - stormStarted) / 1e9;
            stalls.stop.set(true);
            sampled.get(30, TimeUnit.SECONDS);
            sampling.shutdownNow();

            await("every event sent is applied")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> appliedEverywhere(abd) == sent);
            ExpectedLogins expected = stream.expectedUpTo(sent);
            boolean exact = false;
            try {
                for (Member member : abd) {
                    LoginStream.assertEveryUser(member.process, expected);
                }
                exact = true;
            } finally {
                stalls.report(stormSeconds, sent, expected.users().size(), exact, seed);
            }
            assertThat(Duration.ofNanos(stalls.longestNanos))
                    .as("longest time a partition was active nowhere (after %s)", stalls.longestAfter)
                    .isLessThanOrEqualTo(LONGEST_STALL);
            for (Member member : abd) {
                assertThat(member.process.stop(TIMEOUT))
                        .as(member.id + "'s exit code after SIGTERM")
                        .isIn(0, 143);
            }
        }
    }

    /** Queries known users round-robin on the live instances and keeps every answer that breaks the rules. */
    private static final class QueryLoad implements Runnable {
        final List<String> known;
        final Map<Member, Boolean> live;
        final Random random;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong answers = new AtomicLong();
        final Map<Integer, Integer> byStatus = new ConcurrentHashMap<>();
        final List<String> violations = new CopyOnWriteArrayList<>();

        QueryLoad(List<String> known, Map<Member, Boolean> live, long seed) {
            this.known = known;
            this.live = live;
            this.random = new Random(seed + 1);
        }

        @Override
        public void run() {
            while (!stop.get()) {
                for (Member member : List.copyOf(live.keySet())) {
                    String user = known.get(random.nextInt(known.size()));
                    ServiceProcess.Answer answer = member.get("/users/" + user);
                    answers.incrementAndGet();
                    byStatus.merge(answer.status(), 1, Integer::sum);
                    boolean fine = answer.status() == 200 || answer.status() == 503 && answer.retryAfter() != null;
                    if (!fine && violations.size() < 20) {
                        violations.add(member.id + " " + user + ": " + answer.status() + " " + answer.body());
                    }
                }
            }
        }
    }

    /**
     * One storm event on {@code target} (or, to scale, on {@code extra}), and the wait until
     * {@code observer} sees every partition active again with the live instances as owners.
     */
    private static void stormEvent(
            int number, String kind, Member target, Member observer, Member extra, StallSampler stalls)
            throws Exception {
        Set<String> owners = Set.of("a", "b", "d");
        String log = "fleet-storm-" + number + "-";
        switch (kind) {
            case "kill" -> {
                stalls.event(kind, "#" + number + " SIGKILL of " + target.id + ", restart with its disk");
                target.process.kill();
                target.start(log + target.id + ".log");
            }
            case "term" -> {
                stalls.event(kind, "#" + number + " SIGTERM of " + target.id + ", restart with an empty disk");
                assertThat(target.process.stop(TIMEOUT))
                        .as(target.id + "'s exit code")
                        .isIn(0, 143);
                deleteTree(target.stateDir);
                target.start(log + target.id + ".log");
            }
            case "static" -> {
                stalls.event(kind, "#" + number + " restart of " + target.id + " within the session timeout");
                assertThat(target.process.stop(TIMEOUT))
                        .as(target.id + "'s exit code")
                        .isIn(0, 143);
                target.start(log + target.id + ".log");
            }
            case "scale" -> {
                stalls.event(kind, "#" + number + " scale up: " + extra.id + " joins with an empty disk");
                deleteTree(extra.stateDir);
                extra.start(log + extra.id + ".log");
                await("storm event " + number + ": four instances share the partitions")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> settledOwners(observer, Set.of("a", "b", "d", extra.id)), found -> found != null);
                stalls.settled();
                stalls.event(kind, "#" + number + " scale down: SIGTERM of " + extra.id);
                assertThat(extra.process.stop(TIMEOUT))
                        .as(extra.id + "'s exit code")
                        .isIn(0, 143);
            }
            default -> throw new IllegalArgumentException(kind);
        }
        await("storm event " + number + " (" + kind + " " + target.id + "): every partition active again")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> target.process.ready() && settledOwners(observer, owners) != null);
        stalls.settled();
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Polls {@code GET /partitions?scope=local} on every running instance every 200 ms and measures,
     * per partition, each stretch of time in which no instance reported it ACTIVE (unowned, being
     * restored, moving or paused), with the event that was under way when the stretch began.
     */
    private static final class StallSampler implements Runnable {
        private static final Duration PACE = Duration.ofMillis(200);

        final List<Member> members;
        final AtomicBoolean stop = new AtomicBoolean();
        final ExecutorService polls = Executors.newFixedThreadPool(5, DaemonThreads.named("stall-poll-"));
        final Map<Integer, Long> downSince = new HashMap<>();
        final Map<Integer, String> downDuring = new HashMap<>();
        /** Events in the order they started, with the longest stall each caused and the time to settle. */
        final Map<String, EventFigures> events = Collections.synchronizedMap(new LinkedHashMap<>());

        volatile String current = "before the first event";
        volatile long longestNanos;
        volatile int longestPartition = -1;
        volatile String longestAfter = "none";
        volatile int samples;
        volatile long lastSampleStarted;
        volatile boolean lastSampleAllActive;

        StallSampler(List<Member> members) {
            this.members = members;
        }

        void event(String kind, String label) {
            events.put(label, new EventFigures(kind, System.nanoTime()));
            current = label;
        }

        /**
         * The event under way is over: the fleet shows every partition active again; waits until a
         * sample taken from now on sees that too, so that a stretch is never carried into the next event.
         */
        void settled() {
            long now = System.nanoTime();
            await("the sampler sees every partition active")
                    .atMost(TIMEOUT)
                    .pollInterval(PACE)
                    .until(() -> lastSampleStarted - now > 0 && lastSampleAllActive);
            EventFigures figures = events.get(current);
            figures.settledNanos = System.nanoTime() - figures.startedNanos;
            System.out.printf(Locale.ROOT, "storm: %s settled after %.1f s%n", current, figures.settledNanos / 1e9);
        }

        long longestNanosOf(String label) {
            return events.get(label).longestStallNanos;
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    long started = System.nanoTime();
                    sample();
                    LockSupport.parkNanos(started + PACE.toNanos() - System.nanoTime());
                }
            } finally {
                long now = System.nanoTime();
                Map.copyOf(downSince).forEach((partition, since) -> up(partition, now));
                polls.shutdownNow();
            }
        }

        private void sample() {
            long started = System.nanoTime();
            List<Future<ServiceProcess.Answer>> answers = new ArrayList<>();
            for (Member member : members) {
                ServiceProcess process = member.process;
                if (process != null && process.isAlive()) {
                    answers.add(
                            polls.submit(() -> process.getWithin("/partitions?scope=local", Duration.ofSeconds(1))));
                }
            }
            Set<Integer> active = new HashSet<>();
            for (Future<ServiceProcess.Answer> future : answers) {
                try {
                    ServiceProcess.Answer answer = future.get();
                    if (answer.status() == 200) {
                        for (JsonNode row : answer.json()) {
                            if (row.path("status").asText().equals("ACTIVE")) {
                                active.add(row.path("partition").asInt());
                            }
                        }
                    }
                } catch (Exception e) {
                    // An instance that does not answer reports nothing active.
                }
            }
            long now = System.nanoTime();
            samples++;
            for (int partition = 0; partition < PARTITIONS; partition++) {
                if (!active.contains(partition)) {
                    downSince.putIfAbsent(partition, now);
                    downDuring.putIfAbsent(partition, current);
                } else if (downSince.containsKey(partition)) {
                    up(partition, now);
                }
            }
            lastSampleAllActive = downSince.isEmpty();
            lastSampleStarted = started;
        }

        private void up(int partition, long now) {
            long stall = now - downSince.remove(partition);
            String during = downDuring.remove(partition);
            EventFigures figures = events.get(during);
            if (figures != null && stall > figures.longestStallNanos) {
                figures.longestStallNanos = stall;
                figures.longestPartition = partition;
            }
            if (stall > longestNanos) {
                longestNanos = stall;
                longestPartition = partition;
                longestAfter = during;
            }
        }

        /** Prints the figures in one line and writes them to {@code target/reliability/rebalance-storm.json}. */
        void report(double seconds, int logins, int users, boolean exact, long seed) throws IOException {
            Map<String, Integer> byKind = new LinkedHashMap<>();
            STORM_KINDS.forEach(kind -> byKind.put(kind, 0));
            Set<String> counted = new HashSet<>();
            List<Map<String, Object>> perEvent = new ArrayList<>();
            synchronized (events) {
                events.forEach((label, figures) -> {
                    String key = label.replaceFirst(" scale (up|down):.*", " scale");
                    if (counted.add(key)) {
                        byKind.merge(figures.kind, 1, Integer::sum);
                    }
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("event", label);
                    row.put("kind", figures.kind);
                    row.put("settledSeconds", round(figures.settledNanos / 1e9));
                    row.put("longestStallSeconds", round(figures.longestStallNanos / 1e9));
                    row.put("partition", figures.longestPartition);
                    perEvent.add(row);
                });
            }
            int total = byKind.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(
                    Locale.ROOT,
                    "Rebalance storm figures: instances=3 events=%d (kill=%d, term=%d, scale=%d, static=%d)"
                            + " longestStall=%.1fs partition=%d after=<%s> logins=%d users=%d %s"
                            + " duration=%.0fs samples=%d seed=%d%n",
                    total,
                    byKind.get("kill"),
                    byKind.get("term"),
                    byKind.get("scale"),
                    byKind.get("static"),
                    longestNanos / 1e9,
                    longestPartition,
                    longestAfter,
                    logins,
                    users,
                    exact ? "exact" : "NOT exact",
                    seconds,
                    samples,
                    seed);
            Map<String, Double> longestByKind = new LinkedHashMap<>();
            for (Map<String, Object> row : perEvent) {
                longestByKind.merge((String) row.get("kind"), (Double) row.get("longestStallSeconds"), Math::max);
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("instances", 3);
            figures.put("events", total + " " + byKind);
            figures.put(
                    "longest time a partition was active nowhere",
                    String.format(
                            Locale.ROOT,
                            "%.1f s (partition %d, during %s)",
                            longestNanos / 1e9,
                            longestPartition,
                            longestAfter));
            figures.put("longest by kind of event (s)", longestByKind.toString());
            figures.put("session timeout ms", Long.parseLong(SESSION_TIMEOUT_MS));
            figures.put("logins", logins);
            figures.put("users exact on every instance", exact ? users : 0);
            figures.put("seconds", round(seconds));
            figures.put("seed", seed);
            if (exact) {
                ReliabilityFigures.record(
                        "rebalance-storm",
                        "FleetIT: three instances, SIGKILLs, SIGTERMs with empty disks, a fourth joining and leaving,"
                                + " static restarts, while events flow",
                        figures);
            }
        }

        private static double round(double seconds) {
            return Math.round(seconds * 10) / 10.0;
        }
    }

    /** What the sampler keeps of one event. */
    private static final class EventFigures {
        final String kind;
        final long startedNanos;
        volatile long settledNanos = -1;
        volatile long longestStallNanos;
        volatile int longestPartition = -1;

        EventFigures(String kind, long startedNanos) {
            this.kind = kind;
            this.startedNanos = startedNanos;
        }
    }

    /** Assignments and revocations the instance logged so far. */
    private static int rebalances(ServiceLog log) {
        return log.lines("Assigned [").size()
                + log.lines("Revoked [").size()
                + log.lines("Lost [").size();
    }

    private static Set<Integer> partitionsOf(Map<Integer, String> owners, String id) {
        Set<Integer> result = new TreeSet<>();
        owners.forEach((partition, owner) -> {
            if (owner.equals(id)) {
                result.add(partition);
            }
        });
        return result;
    }

    private static double percentile(List<Long> nanos, int percentile) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
