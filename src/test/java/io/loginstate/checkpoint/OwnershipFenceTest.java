package io.loginstate.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Highest owner epoch wins, against a local directory and a real S3-compatible server. */
class OwnershipFenceTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("fence");

    @TempDir
    Path dir;

    private ObjectStore open(Kind kind) {
        return STORES.open(kind, dir);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aStaleOwnerCannotPublishOnceANewerOwnerHasClaimed(Kind kind) {
        try (ObjectStore store = open(kind)) {
            OwnershipFence first = new OwnershipFence(store, "logins/3");
            OwnershipFence.Claim firstClaim = first.claim(7);
            assertThat(firstClaim.checkpointId()).isEqualTo(-1);
            first.publish(firstClaim, 1);
            first.publish(firstClaim, 2);

            OwnershipFence second = new OwnershipFence(store, "logins/3");
            OwnershipFence.Claim secondClaim = second.claim(9);
            assertThat(secondClaim.checkpointId())
                    .as("the new owner restores the last published checkpoint")
                    .isEqualTo(2);
            assertThat(secondClaim.restoreCandidates()).containsExactly(2L, 1L);

            // The previous owner, unaware of the rebalance, finishes an upload and tries to publish it.
            assertThatThrownBy(() -> first.publish(firstClaim, 3))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("epoch 7")
                    .hasMessageContaining("epoch 9");
            assertThatThrownBy(() -> first.claim(8)).isInstanceOf(FencedException.class);
            assertThat(second.read().orElseThrow().checkpoint()).isEqualTo(2);

            second.publish(secondClaim, 3);
            OwnershipFence.Latest latest =
                    new OwnershipFence(store, "logins/3").read().orElseThrow();
            assertThat(latest.epoch()).isEqualTo(9);
            assertThat(latest.published()).containsExactly(3L, 2L, 1L);
            assertThat(new OwnershipFence(store, "logins/4").read())
                    .as("partitions are independent")
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLaterClaimOfTheSameEpochFencesTheEarlierOne(Kind kind) {
        try (ObjectStore store = open(kind)) {
            OwnershipFence fence = new OwnershipFence(store, "logins/5");
            OwnershipFence.Claim before = fence.claim(4);
            fence.publish(before, CheckpointIds.of(before.number(), 1));
            OwnershipFence.Claim after = fence.claim(4);
            assertThat(after.number()).isGreaterThan(before.number());
            assertThatThrownBy(() -> fence.publish(before, CheckpointIds.of(before.number(), 2)))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("claim " + before.number())
                    .hasMessageContaining("claim " + after.number());
            assertThatThrownBy(() -> fence.checkStillOwner(before)).isInstanceOf(FencedException.class);
            fence.publish(after, CheckpointIds.of(after.number(), 1));
            assertThat(CheckpointIds.of(after.number(), 1))
                    .as("ids grow with claims")
                    .isGreaterThan(CheckpointIds.of(before.number(), 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRecordWithoutClaimsGetsClaimNumbersAboveItsCheckpointIds(Kind kind) {
        try (ObjectStore store = open(kind)) {
            long legacyId = CheckpointIds.of(12, 3);
            store.put(
                    "logins/6/LATEST",
                    ("{\"epoch\":12,\"checkpoint\":" + legacyId + "}").getBytes(StandardCharsets.UTF_8));
            OwnershipFence.Claim claim = new OwnershipFence(store, "logins/6").claim(12);
            assertThat(claim.checkpointId()).isEqualTo(legacyId);
            assertThat(claim.restoreCandidates())
                    .as("an old record has no list of published checkpoints")
                    .isNull();
            assertThat(CheckpointIds.of(claim.number(), 1)).isGreaterThan(legacyId);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void racingOwnersEndWithTheHighestEpoch(Kind kind) throws Exception {
        int owners = 6;
        int rounds = 5;
        ExecutorService pool = Executors.newFixedThreadPool(owners);
        try (ObjectStore store = open(kind)) {
            for (int round = 0; round < rounds; round++) {
                String partition = "logins/race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int owner = 1; owner <= owners; owner++) {
                    long epoch = owner;
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            OwnershipFence fence = new OwnershipFence(store, partition);
                            fence.publish(fence.claim(epoch), epoch * 100);
                            return true;
                        } catch (FencedException fenced) {
                            return false;
                        }
                    }));
                }
                start.countDown();
                boolean highestSucceeded = false;
                for (int owner = 1; owner <= owners; owner++) {
                    boolean succeeded = results.get(owner - 1).get(30, TimeUnit.SECONDS);
                    if (owner == owners) {
                        highestSucceeded = succeeded;
                    }
                }
                assertThat(highestSucceeded)
                        .as("the highest epoch is never fenced")
                        .isTrue();
                OwnershipFence.Latest latest =
                        new OwnershipFence(store, partition).read().orElseThrow();
                assertThat(latest.epoch()).isEqualTo(owners);
                assertThat(latest.checkpoint()).isEqualTo(owners * 100L);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
