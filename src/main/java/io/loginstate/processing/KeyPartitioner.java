package io.loginstate.processing;

import java.util.Locale;
import org.apache.kafka.common.utils.Utils;

/**
 * Where producers put a record with a given key: the partition a query for that key must ask, and
 * the one a record is expected on. Which one is right depends on the producers' client.
 */
public enum KeyPartitioner {
    /** Java clients' default partitioner: murmur2 of the key. */
    MURMUR2 {
        @Override
        public int partition(byte[] key, int partitions) {
            return Utils.toPositive(Utils.murmur2(key)) % partitions;
        }
    },
    /** librdkafka's consistent and consistent_random (kcat, the Go, Python, .NET and Node clients): CRC-32 of the key. */
    CRC32 {
        @Override
        public int partition(byte[] key, int partitions) {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(key);
            return (int) (crc.getValue() % partitions);
        }
    };

    public abstract int partition(byte[] key, int partitions);

    /** The partitioner a setting names ({@code murmur2} or {@code crc32}). */
    public static KeyPartitioner named(String name) {
        for (KeyPartitioner partitioner : values()) {
            if (partitioner.name().equalsIgnoreCase(name.trim())) {
                return partitioner;
            }
        }
        throw new IllegalArgumentException("login-state.partitioner is '" + name + "'; it must be murmur2 or crc32");
    }

    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
