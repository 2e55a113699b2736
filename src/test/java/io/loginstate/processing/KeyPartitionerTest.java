package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/** Both partitioners place keys exactly as the producers they stand for. */
class KeyPartitionerTest {

    @Test
    void murmur2PlacesKeysAsTheJavaProducer() {
        // Placements the Java producer's default partitioner gave these keys over 120 partitions.
        Map<String, Integer> placed = Map.of(
                "\u263a tlw61or", 101,
                "\u263a ww50w20ggb9", 26,
                "\u263a tf706z9i2v86w29", 40,
                "\u263a pgb9", 1,
                "\u263a b9", 8);
        placed.forEach((key, partition) -> assertThat(KeyPartitioner.MURMUR2.partition(utf8(key), 120))
                .as(key)
                .isEqualTo(partition));
        for (int user = 0; user < 10_000; user++) {
            byte[] key = utf8("user-" + user);
            for (int partitions : new int[] {1, 3, 8, 12, 100}) {
                assertThat(KeyPartitioner.MURMUR2.partition(key, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            }
        }
    }

    @Test
    void crc32PlacesKeysAsLibrdkafkasConsistentPartitioner() {
        // CRC-32 (IEEE) of "123456789" is 0xCBF43926 = 3421780262, taken unsigned modulo the count.
        byte[] check = utf8("123456789");
        assertThat(KeyPartitioner.CRC32.partition(check, 100)).isEqualTo(62);
        assertThat(KeyPartitioner.CRC32.partition(check, 8)).isEqualTo((int) (3421780262L % 8));
        assertThat(KeyPartitioner.CRC32.partition(check, 7)).isEqualTo((int) (3421780262L % 7));
        int differs = 0;
        for (int user = 0; user < 1_000; user++) {
            byte[] key = utf8("user-" + user);
            if (KeyPartitioner.CRC32.partition(key, 8) != KeyPartitioner.MURMUR2.partition(key, 8)) {
                differs++;
            }
        }
        assertThat(differs).as("keys the two partitioners place differently").isGreaterThan(700);
    }

    @Test
    void settingNamesAreCaseInsensitiveAndOthersAreRefused() {
        assertThat(KeyPartitioner.named("murmur2")).isEqualTo(KeyPartitioner.MURMUR2);
        assertThat(KeyPartitioner.named(" CRC32 ")).isEqualTo(KeyPartitioner.CRC32);
        assertThatThrownBy(() -> KeyPartitioner.named("consistent_random"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("murmur2 or crc32");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
