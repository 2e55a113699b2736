package io.loginstate.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.checkpoint.FlakyObjectStore;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointEraser;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipts through their steps, driven by a manual clock, a recorded command log and a scripted
 * partition, over the directory object store with real checkpoint fences and savepoint catalog.
 */
class ErasureTrackerTest {

    private static final String TOPIC = "logins";
    private static final long NONE = Long.MIN_VALUE;
    private static final Duration BOUND = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private final ManualClock clock =
            new ManualClock(Instant.parse("2026-12-02T10:00:00Z").toEpochMilli());
    private final List<String> appended = new ArrayList<>();
    private final Map<Integer, ErasurePartitions.Progress> open = new HashMap<>();
    private long nextCommandOffset = 100;
    private DirectoryObjectStore store;
    private ErasureReceipts receipts;
    private ErasureRequests requests;
    private ErasureTracker tracker;

    @BeforeEach
    void setUp() throws Exception {
        store = new DirectoryObjectStore(dir.resolve("store"));
        receipts = new ErasureReceipts(store);
        EraseCommandLog log = (partition, key, erasureId, requestedAt, timeout) -> {
            appended.add(partition + ":" + new String(key, StandardCharsets.UTF_8) + ":" + erasureId);
            return nextCommandOffset++;
        };
        requests = new ErasureRequests(
                SubjectKey.of("0123456789abcdef-key"), receipts, log, TOPIC, BOUND, Duration.ofSeconds(1), clock);
        ErasurePartitions partitions = new ErasurePartitions() {
            @Override
            public Optional<Progress> progress(int partition) {
                return Optional.ofNullable(open.get(partition));
            }

            @Override
            public OptionalInt partitionCount() {
                return OptionalInt.of(4);
            }
        };
        SavepointCatalog savepoints = new SavepointCatalog(store);
        tracker = new ErasureTracker(
                receipts,
                requests,
                partitions,
                true,
                new SavepointScrub(
                        savepoints,
                        new SavepointEraser(savepoints, clock, Files.createDirectories(dir.resolve("w"))),
                        false),
                TOPIC,
                clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void aReceiptGoesThroughEveryStepInOrderAndEndsWithoutTheUserInAnyObject() throws Exception {
        open.put(2, progress(100, NONE, 1, NONE, NONE));

        ErasureReceipt receipt = requests.request("user-42", 2, true);

        assertThat(appended).containsExactly("2:user-42:" + receipt.erasureId());
        assertThat(receipt.commandOffset()).isEqualTo(100);
        assertThat(receipt.deadline()).isEqualTo(receipt.requestedAt().plus(BOUND));
        assertThat(receipt.steps().recorded().offset()).isEqualTo(100);
        assertThat(receipt.steps().invisible()).isNotNull();
        assertThat(receipt.stateFound()).isTrue();
        assertThat(receipts.get(receipt.erasureId())).contains(stored(receipt));
        assertThat(requests.hidden("user-42", 2, 100)).isTrue();
        assertThat(requests.hidden("user-43", 2, 100)).isFalse();
        assertThat(requests.hidden("user-42", 1, 100)).as("another partition").isFalse();

        clock.advance(Duration.ofSeconds(1));
        tracker.poll();
        assertThat(steps(receipt).applied())
                .as("the partition is still at the command")
                .isNull();

        // Applied, but the erased bytes are still in a local file (since half a second ago).
        clock.advance(Duration.ofSeconds(1));
        long erasedAt = clock.millis() - 500;
        open.put(2, progress(101, erasedAt, 1, NONE, NONE));
        tracker.poll();
        ErasureReceipt.Steps applied = steps(receipt);
        assertThat(applied.applied().offset()).isEqualTo(100);
        assertThat(applied.applied().at()).isEqualTo(clock.instant());
        assertThat(applied.purgedLocally()).isNull();
        assertThat(applied.purgedFromSavepoints())
                .as("no savepoint holds the user")
                .isNotNull();
        assertThat(requests.hidden("user-42", 2, 101)).isFalse();

        // Purged 30 s later: the oldest unpurged deletion is newer than the apply.
        clock.advance(Duration.ofSeconds(30));
        long purgedAt = clock.millis() - 200;
        long oldCheckpoint = clock.millis() - 5_000;
        open.put(2, progress(150, clock.millis(), 1, purgedAt, oldCheckpoint));
        tracker.poll();
        ErasureReceipt.Steps purged = steps(receipt);
        assertThat(purged.purgedLocally().at()).isEqualTo(clock.instant());
        assertThat(purged.purgedLocally().checkpointsAfter()).isEqualTo(Instant.ofEpochMilli(purgedAt));
        assertThat(purged.purgedFromCheckpoints())
                .as("a retained checkpoint predates the purge")
                .isNull();
        assertThat(receipts.open()).contains(receipt.erasureId());

        // Not every retained checkpoint was published here yet.
        clock.advance(Duration.ofSeconds(2));
        open.put(2, progress(150, clock.millis(), 1, purgedAt, NONE));
        tracker.poll();
        assertThat(steps(receipt).purgedFromCheckpoints()).isNull();
        open.put(2, progress(150, clock.millis(), 1, purgedAt, purgedAt - 1));
        tracker.poll();
        assertThat(steps(receipt).purgedFromCheckpoints())
                .as("started a millisecond before the purge")
                .isNull();
        open.put(2, progress(150, clock.millis(), 1, clock.millis(), purgedAt));
        tracker.poll();

        ErasureReceipt done = receipts.get(receipt.erasureId()).orElseThrow();
        assertThat(done.complete()).isTrue();
        assertThat(done.steps().purgedFromCheckpoints().at()).isEqualTo(clock.instant());
        assertThat(done.steps().complete().at()).isEqualTo(clock.instant());
        assertThat(done.steps().purgedLocally().checkpointsAfter())
                .as("a later purge does not move the step")
                .isEqualTo(Instant.ofEpochMilli(purgedAt));
        assertThat(receipts.open()).isEmpty();
        assertThat(receipts.userKey(receipt.erasureId())).isEmpty();
        assertThat(objectsNaming("user-42")).isEmpty();
        assertThat(receipts.since(receipt.requestedAt()))
                .extracting(ErasureReceipt::erasureId)
                .containsExactly(receipt.erasureId());
        assertThat(receipts.since(receipt.requestedAt().plusMillis(1))).isEmpty();
    }

    @Test
    void openAndOverdueErasuresAreCountedUntilComplete() {
        ErasureReceipt receipt = requests.request("user-42", 2, true);
        tracker.poll();
        assertThat(tracker.openErasures()).isEqualTo(1);
        assertThat(tracker.overdueErasures()).isZero();
        clock.advance(BOUND.plusSeconds(1));
        tracker.poll();
        assertThat(tracker.overdueErasures()).as("past the receipt's deadline").isEqualTo(1);
        open.put(2, progress(receipt.commandOffset() + 1, NONE, 1, NONE, NONE));
        tracker.poll();
        assertThat(tracker.openErasures())
                .as("applied, not yet purged from checkpoints")
                .isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        open.put(2, progress(receipt.commandOffset() + 1, NONE, 1, NONE, clock.millis()));
        tracker.poll();
        assertThat(receipts.get(receipt.erasureId()).orElseThrow().complete()).isTrue();
        assertThat(tracker.openErasures()).isZero();
        assertThat(tracker.overdueErasures()).isZero();
    }

    @Test
    void nothingAdvancesWhereThePartitionIsNotOpen() {
        ErasureReceipt receipt = requests.request("user-42", 2, false);
        open.put(1, progress(500, NONE, 0, NONE, NONE));
        tracker.poll();
        assertThat(steps(receipt).applied()).isNull();
        assertThat(receipt.stateFound()).isFalse();
    }

    @Test
    void aNewOwnerBeforeTheCheckpointsAreCleanStartsAgainFromApplied() {
        open.put(2, progress(101, NONE, 1, NONE, NONE));
        ErasureReceipt receipt = requests.request("user-42", 2, true);
        tracker.poll();
        ErasureReceipt.Steps first = steps(receipt);
        assertThat(first.purgedLocally().checkpointsAfter())
                .as("nothing was purged: checkpoints after the apply are clean")
                .isEqualTo(first.applied().at());
        assertThat(first.purgedFromCheckpoints()).isNull();

        // Another instance claims the partition, restores an older checkpoint and applies the command again.
        clock.advance(Duration.ofSeconds(5));
        long reapplied = clock.millis();
        open.put(2, progress(102, reapplied - 1, 2, NONE, NONE));
        tracker.poll();
        ErasureReceipt.Steps again = steps(receipt);
        assertThat(again.applied().ownerClaim()).isEqualTo(2);
        assertThat(again.applied().at()).isEqualTo(clock.instant());
        assertThat(again.purgedLocally()).as("its own purge is still due").isNull();
    }

    @Test
    void aRepeatedRequestWhileOpenRecordsAgainUnderTheSameIdAndOneAfterCompletionGetsANewId() {
        ErasureReceipt first = requests.request("user-42", 2, true);
        clock.advance(Duration.ofMinutes(1));
        ErasureReceipt repeat = requests.request("user-42", 2, false);
        assertThat(repeat.erasureId()).isEqualTo(first.erasureId());
        assertThat(repeat.commandOffset()).isEqualTo(first.commandOffset() + 1);
        assertThat(repeat.requestedAt()).isEqualTo(first.requestedAt());
        assertThat(repeat.stateFound()).isTrue();
        assertThat(appended).hasSize(2);
        assertThat(receipts.get(first.erasureId()).orElseThrow().commandOffset())
                .isEqualTo(repeat.commandOffset());

        open.put(2, progress(repeat.commandOffset() + 1, NONE, 1, clock.millis(), NONE));
        tracker.poll();
        clock.advance(Duration.ofSeconds(1));
        open.put(2, progress(repeat.commandOffset() + 1, NONE, 1, NONE, clock.millis()));
        tracker.poll();
        assertThat(receipts.get(first.erasureId()).orElseThrow().complete()).isTrue();

        ErasureReceipt after = requests.request("user-42", 2, true);
        assertThat(after.erasureId()).isEqualTo(first.erasureId() + "-2");
        assertThat(receipts.get(first.erasureId()).orElseThrow().complete())
                .as("the first stays as it was")
                .isTrue();
    }

    @Test
    void aReceiptTheStoreRefusedIsWrittenByALaterPoll() {
        FlakyObjectStore flakyStore = new FlakyObjectStore(store);
        flakyStore.failNext(key -> key.startsWith(ErasureReceipts.OPEN), 2);
        ErasureReceipts failing = new ErasureReceipts(flakyStore);
        ErasureRequests flaky = new ErasureRequests(
                SubjectKey.of("0123456789abcdef-key"),
                failing,
                (partition, key, id, at, timeout) -> 7,
                TOPIC,
                BOUND,
                Duration.ofSeconds(1),
                clock);
        ErasureReceipt receipt = flaky.request("user-42", 2, true);
        assertThat(failing.get(receipt.erasureId())).isEmpty();
        assertThat(flaky.hidden("user-42", 2, 7))
                .as("hidden all the same: the command is recorded")
                .isTrue();
        flaky.storeUnstored();
        assertThat(failing.get(receipt.erasureId())).isEmpty();
        flaky.storeUnstored();
        assertThat(failing.get(receipt.erasureId())).isPresent();
        assertThat(failing.open()).containsExactly(receipt.erasureId());
    }

    @Test
    void aTamperedReceiptIsRefused() throws Exception {
        ErasureReceipt receipt = requests.request("user-42", 2, true);
        Path file = dir.resolve("store").resolve(ErasureReceipts.key(receipt.erasureId()));
        Files.writeString(file, Files.readString(file).replace("\"partition\" : 2", "\"partition\" : 3"));
        assertThatThrownBy(() -> receipts.get(receipt.erasureId()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum");
        assertThat(ErasureReceipts.idProblem("../x")).isNotNull();
        assertThat(ErasureReceipts.idProblem("")).isNotNull();
        assertThat(ErasureReceipts.idProblem(null)).isNotNull();
    }

    @Test
    void unconfiguredRequestsRefuse() {
        ErasureRequests none = ErasureRequests.unconfigured(receipts);
        assertThat(none.configured()).isFalse();
        assertThatThrownBy(() -> none.request("user-42", 2, true)).isInstanceOf(IllegalStateException.class);
        assertThat(none.hidden("user-42", 2, 0)).isFalse();
    }

    private ErasureReceipt.Steps steps(ErasureReceipt receipt) {
        return receipts.get(receipt.erasureId()).orElseThrow().steps();
    }

    private ErasureReceipt stored(ErasureReceipt receipt) {
        return receipts.get(receipt.erasureId()).orElseThrow();
    }

    private static ErasurePartitions.Progress progress(
            long nextOffset, long unpurged, long claim, long lastPurge, long oldestCheckpoint) {
        return new ErasurePartitions.Progress(nextOffset, unpurged, claim, lastPurge, oldestCheckpoint);
    }

    private List<String> objectsNaming(String user) throws Exception {
        List<String> found = new ArrayList<>();
        try (var files = Files.walk(dir.resolve("store"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(user)) {
                    found.add(file.toString());
                }
            }
        }
        return found;
    }
}
