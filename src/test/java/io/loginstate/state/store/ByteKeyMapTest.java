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
    void hashSeesEveryByteOfKeysOfEveryLength() {
        // Each key of 0 to 40 bytes, and each with one byte changed at each position (the eight-byte
        // steps and the tail alike), hashes differently from all the others, and never to 0.
        Set<Integer> hashes = new HashSet<>();
        int keys = 0;
        for (int length = 0; length <= 40; length++) {
            byte[] base = new byte[length];
            for (int i = 0; i < length; i++) {
                base[i] = (byte) ('a' + i);
            }
            assertThat(hashes.add(ByteKeyMap.hash(base)))
                    .as("key of %d bytes", length)
                    .isTrue();
            keys++;
            for (int position = 0; position < length; position++) {
                byte[] changed = base.clone();
                changed[position] ^= 1;
                int hash = ByteKeyMap.hash(changed);
                assertThat(hash).isNotZero();
                assertThat(hashes.add(hash))
                        .as("length %d, byte %d changed", length, position)
                        .isTrue();
                keys++;
            }
        }
        assertThat(hashes).hasSize(keys);
    }

    @Test
    void hashSpreadsSequentialKeysOverTheSlots() {
        // 65,536 keys user-0 ... into 65,536 slots: a uniform hash fills about 1 - 1/e of them (63%).
        int slots = 1 << 16;
        Set<Integer> used = new HashSet<>();
        for (int n = 0; n < slots; n++) {
            used.add(ByteKeyMap.hash(("user-" + n).getBytes(StandardCharsets.UTF_8)) & (slots - 1));
        }
        assertThat(used.size()).isBetween((int) (slots * 0.60), (int) (slots * 0.66));
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
                assertThat(map.value(slot)).isEqualTo(reference.get(n));
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

    @Test
    void keepsCopiesAndReadsAbsentBackAsItself() {
        ByteKeyMap map = new ByteKeyMap();
        byte[] key = key(1);
        byte[] value = {1, 2, 3};
        map.put(key, value, true);
        value[0] = 9;
        key[0] = 'x';
        int slot = map.find(key(1));
        assertThat(slot).as("found by the key's bytes as they were").isNotNegative();
        assertThat(map.value(slot)).as("the value as it was put").containsExactly(1, 2, 3);
        map.value(slot)[1] = 7;
        assertThat(map.value(slot)).as("a read is a copy").containsExactly(1, 2, 3);
        map.setValue(slot, ByteKeyMap.ABSENT, false);
        assertThat(map.value(slot)).isSameAs(ByteKeyMap.ABSENT);
        assertThat(map.valueLength(slot)).isZero();
        map.setValue(slot, new byte[0], false);
        assertThat(map.value(slot)).isEmpty();
        assertThat(map.value(slot)).as("an empty value is not the marker").isNotSameAs(ByteKeyMap.ABSENT);
        map.put(key(2), ByteKeyMap.ABSENT, false);
        assertThat(map.value(map.find(key(2)))).isSameAs(ByteKeyMap.ABSENT);
        assertThat(map.key(map.find(key(2)))).isEqualTo(key(2));
    }

    @Test
    void reclaimsTheSpaceOfReplacedAndRemovedEntries() {
        ByteKeyMap map = new ByteKeyMap();
        SplittableRandom random = new SplittableRandom(7);
        Map<Integer, byte[]> reference = new HashMap<>();
        for (int step = 0; step < 300_000; step++) {
            int n = random.nextInt(1_000);
            if (random.nextInt(10) == 0) {
                int slot = map.find(key(n));
                if (slot >= 0) {
                    map.removeAt(slot);
                }
                reference.remove(n);
                continue;
            }
            // Lengths change on most writes, so most writes append to the arena.
            byte[] value = new byte[1 + random.nextInt(100)];
            value[0] = (byte) step;
            int slot = map.find(key(n));
            if (slot >= 0 && random.nextBoolean()) {
                map.setValue(slot, value, random.nextBoolean());
            } else {
                map.put(key(n), value, random.nextBoolean());
            }
            reference.put(n, value);
        }
        long live = reference.entrySet().stream()
                .mapToLong(entry -> key(entry.getKey()).length + entry.getValue().length)
                .sum();
        assertThat((long) map.arenaBytes())
                .as("about 150 MB were written; the arena holds the live entries and room for half as much again")
                .isLessThanOrEqualTo(Math.max(4096, live * 2));
        for (int n = 0; n < 1_000; n++) {
            int slot = map.find(key(n));
            if (reference.containsKey(n)) {
                assertThat(map.value(slot)).as("key %d", n).isEqualTo(reference.get(n));
                assertThat(map.key(slot)).isEqualTo(key(n));
            } else {
                assertThat(slot).isEqualTo(-1);
            }
        }
    }

    @Test
    void keepsEachEntrysDirtyFlagThroughGrowthAndRemovals() {
        ByteKeyMap map = new ByteKeyMap();
        Map<Integer, Boolean> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int step = 0; step < 100_000; step++) {
            int n = random.nextInt(3_000);
            int slot = map.find(key(n));
            switch (random.nextInt(4)) {
                case 0 -> {
                    if (slot >= 0) {
                        map.removeAt(slot);
                    }
                    reference.remove(n);
                }
                case 1 -> {
                    if (slot >= 0) {
                        map.clean(slot);
                        reference.put(n, false);
                    }
                }
                default -> {
                    boolean dirty = random.nextBoolean();
                    map.put(key(n), new byte[random.nextInt(3)], dirty);
                    // A clean write leaves a dirty entry dirty: its change has not reached the store.
                    reference.merge(n, dirty, Boolean::logicalOr);
                }
            }
        }
        Set<Integer> dirtyInMap = new HashSet<>();
        for (int slot = map.nextDirty(0); slot >= 0; slot = map.nextDirty(slot + 1)) {
            assertThat(map.dirty(slot)).isTrue();
            dirtyInMap.add(Integer.parseInt(new String(map.key(slot), StandardCharsets.UTF_8).substring(1)));
        }
        Set<Integer> expected = new HashSet<>();
        reference.forEach((n, dirty) -> {
            if (dirty) {
                expected.add(n);
            }
        });
        assertThat(map.capacity()).as("the map grew").isGreaterThan(64);
        assertThat(dirtyInMap).isEqualTo(expected);
        assertThat(map.nextDirty(map.capacity())).isEqualTo(-1);
    }
}
