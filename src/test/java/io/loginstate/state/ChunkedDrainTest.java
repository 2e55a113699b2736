package io.loginstate.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.ttl.TtlCleaner;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Removing a mass of expired entries (a snapshot's drain after the whole partition expired) is
 * split into transactions of a bounded number of index entries, so the write buffer of a
 * transaction stays bounded, and each scan of the expiry index does not wade through the
 * tombstones of everything removed before it in the same transaction.
 */
class ChunkedDrainTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final int USERS = TtlCleaner.DRAIN_CHUNK * 5 / 2;

    @Test
    void aLargeDrainIsCommittedInChunks() {
        TtlConfig ttl = TtlConfig.of(TTL).withTimeCharacteristic(TimeCharacteristic.PROCESSING_TIME);
        StateDescriptor<ValueState<String>> profile =
                StateDescriptor.value("profile", Serializers.STRING).withTtl(ttl);
        List<StateDescriptor<?>> descriptors = List.of(profile);
        ManualClock clock = new ManualClock(1_790_000_000_000L);
        HeapStore heap = new HeapStore("heap", LayeredKeyedStateBackend.tableNames(descriptors));
        AtomicInteger commits = new AtomicInteger();
        ByteStore counting = (ByteStore) Proxy.newProxyInstance(
                ByteStore.class.getClassLoader(), new Class<?>[] {ByteStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("commit") && method.getParameterCount() == 1) {
                        commits.incrementAndGet();
                    }
                    try {
                        return method.invoke(heap, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                counting,
                descriptors,
                new EventTimeClock(clock, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW),
                new TtlCleanupSettings(100, Duration.ofHours(1)))) {
            for (int user = 0; user < USERS; user++) {
                state.setCurrentKey(("user-" + user).getBytes(StandardCharsets.UTF_8));
                state.valueState(profile).update("profile " + user);
            }
            state.commit(USERS);
            clock.advance(TTL.plusMinutes(1));
            int before = commits.get();

            state.drainExpired();

            assertThat(state.ttlMetrics().removed(CleanupStrategy.ON_SNAPSHOT)).isEqualTo(USERS);
            assertThat(commits.get() - before)
                    .as("one transaction per %d index entries", TtlCleaner.DRAIN_CHUNK)
                    .isGreaterThanOrEqualTo(3);
            assertThat(state.position()).hasValue(USERS);
            state.setCurrentKey("user-7".getBytes(StandardCharsets.UTF_8));
            assertThat(state.valueState(profile).value()).isNull();
        }
    }
}
