package io.loginstate.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The radix order against a comparison sort of the same keys. */
class KeyOrderTest {

    private static void assertSortsAsCompareUnsigned(byte[][] keys) {
        int[] order = KeyOrder.of(keys);
        byte[][] sorted = new byte[order.length][];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = keys[order[i]];
        }
        byte[][] expected = keys.clone();
        Arrays.sort(expected, Arrays::compareUnsigned);
        assertThat(order).hasSize(keys.length);
        assertThat(Arrays.stream(order).distinct().count()).isEqualTo(keys.length);
        for (int i = 0; i < keys.length; i++) {
            assertThat(sorted[i]).as("position %d", i).isEqualTo(expected[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 17, 1_000, 50_000})
    void randomKeysOfRandomLengths(int count) {
        SplittableRandom random = new SplittableRandom(count);
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = new byte[random.nextInt(0, 24)];
            for (int j = 0; j < keys[i].length; j++) {
                // Few distinct bytes, high ones included: many shared prefixes and unsigned order matters.
                keys[i][j] = (byte) (random.nextBoolean() ? 0x7F + random.nextInt(3) : random.nextInt(3));
            }
        }
        assertSortsAsCompareUnsigned(keys);
    }

    @Test
    void keysThatDifferOnlyBeyondTheirFirstEightDifferingBytes() {
        // A state's prefix, then user ids sharing long stretches: long runs of equal eight bytes.
        List<byte[]> keys = new ArrayList<>();
        for (int user = 0; user < 40; user++) {
            for (int device = 0; device < 30; device++) {
                keys.add(("\u0007devices" + "user-" + (user % 3) + "-padding-" + user + "/" + device)
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        keys.add("\u0007devices".getBytes(StandardCharsets.UTF_8));
        keys.add("\u0007devicesuser-".getBytes(StandardCharsets.UTF_8));
        keys.add("\u0007devicesuser-\u0000".getBytes(StandardCharsets.UTF_8));
        byte[][] shuffled = keys.toArray(byte[][]::new);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            byte[] swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        assertSortsAsCompareUnsigned(shuffled);
    }

    @Test
    void indexKeysOfSeveralStatesWithLongCommonStretches() {
        // As the expiry index files them: the state's name, a stamp of few distinct values, then
        // user keys: thousands of keys tie on their first eight bytes, and again on the next eight.
        SplittableRandom random = new SplittableRandom(5);
        String[] states = {"\u0005users", "\rrecent-logins", "\u0007devices"};
        byte[][] keys = new byte[6_000][];
        for (int i = 0; i < keys.length; i++) {
            byte[] name = states[random.nextInt(states.length)].getBytes(StandardCharsets.UTF_8);
            byte[] user = ("user-" + random.nextInt(100_000)).getBytes(StandardCharsets.UTF_8);
            keys[i] = new byte[name.length + 8 + user.length];
            System.arraycopy(name, 0, keys[i], 0, name.length);
            keys[i][name.length + 6] = (byte) random.nextInt(2);
            keys[i][name.length + 7] = (byte) (random.nextInt(2) * 0x80);
            System.arraycopy(user, 0, keys[i], name.length + 8, user.length);
        }
        assertSortsAsCompareUnsigned(keys);
    }

    @Test
    void keysEqualButForTrailingZeros() {
        byte[][] keys = new byte[60][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new byte[3 + (i * 7) % 20];
            keys[i][0] = 9;
        }
        assertSortsAsCompareUnsigned(keys);
    }

    @Test
    void identicalKeysKeepOnePlaceEach() {
        byte[][] keys = new byte[40][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new byte[] {1, 2, 3, (byte) (i % 2)};
        }
        assertSortsAsCompareUnsigned(keys);
    }
}
