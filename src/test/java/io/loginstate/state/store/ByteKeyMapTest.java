package io.loginstate.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The open-addressing map against a HashMap, through growth and backward-shift removals. */
class ByteKeyMapTest {

    private static byte[] key(int n) {
        return ("k" + n).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemovals() {
        ByteKeyMap map = new ByteKeyMap();
        Map<Integer, byte[]> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(12);
        for (int step = 0; step < 200_000; step++) {
            int n = random.nextInt(5_000);
            if (random.nextInt(3) == 0) {
                int slot = map.find(key(n));
                if (slot >= 0) {
                    map.removeAt(slot);
                }
                reference.remove(n);
            } else {
                byte[] value = new byte[] {(byte) step};
                map.put(key(n), value, random.nextBoolean());
                reference.put(n, value);
            }
        }
        assertThat(map.size()).isEqualTo(reference.size());
        for (int n = 0; n < 5_000; n++) {
            int slot = map.find(key(n));
            if (reference.containsKey(n)) {
                assertThat(slot).as("key %d", n).isNotNegative();
                assertThat(map.value(slot)).isSameAs(reference.get(n));
            } else {
                assertThat(slot).as("key %d", n).isEqualTo(-1);
            }
        }
    }

    @Test
    void evictsOnlyCleanEntriesAndSparesRecentlyReferencedOnesFirst() {
        ByteKeyMap map = new ByteKeyMap();
        for (int n = 0; n < 100; n++) {
            map.put(key(n), new byte[0], n % 2 == 0);
        }
        // One sweep clears the referenced flags; the victims are then clean (odd) keys only.
        Set<Integer> evicted = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int slot = map.nextVictim();
            assertThat(slot).isNotNegative();
            assertThat(map.dirty(slot)).isFalse();
            evicted.add(Integer.parseInt(new String(map.key(slot), StandardCharsets.UTF_8).substring(1)));
            map.removeAt(slot);
        }
        assertThat(evicted).allMatch(n -> n % 2 == 1).hasSize(50);
        assertThat(map.nextVictim()).as("only dirty entries are left").isEqualTo(-1);
        assertThat(map.size()).isEqualTo(50);
    }
}
