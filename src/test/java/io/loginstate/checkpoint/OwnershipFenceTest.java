package io.loginstate.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
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
            assertThat(first.claim(7)).isEmpty();
            first.publish(7, 1);
            first.publish(7, 2);

            OwnershipFence second = new OwnershipFence(store, "logins/3");
            assertThat(second.claim(9))
                    .as("the new owner restores the last published checkpoint")
                    .hasValue(2);

            // The previous owner, unaware of the rebalance, finishes an upload and tries to publish it.
            assertThatThrownBy(() -> first.publish(7, 3))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("epoch 7")
                    .hasMessageContaining("epoch 9");
            assertThatThrownBy(() -> first.claim(8)).isInstanceOf(FencedException.class);
            assertThat(second.read()).hasValue(new OwnershipFence.Latest(9, 2));

            second.publish(9, 3);
            assertThat(new OwnershipFence(store, "logins/3").read()).hasValue(new OwnershipFence.Latest(9, 3));
            assertThat(new OwnershipFence(store, "logins/4").read())
                    .as("partitions are independent")
                    .isEmpty();
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
                            fence.claim(epoch);
                            fence.publish(epoch, epoch * 100);
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
                assertThat(new OwnershipFence(store, partition).read())
                        .hasValue(new OwnershipFence.Latest(owners, owners * 100L));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
