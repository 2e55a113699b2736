package io.loginstate.state.portable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PortableFormatTest {

    private record Rec(int table, byte[] key, byte[] subKey, byte[] value) {}

    private static final List<String> TABLES = List.of("users", "recent-logins", "devices");

    @Test
    void recordsHeaderAndPropertiesComeBackAsWritten() {
        List<Rec> records = sortedRecords(new Random(7), 50_000, 40);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PortableSummary summary = write(out, records, Map.of("partition", "3", "kind", "test"));

        assertThat(summary.records()).isEqualTo(records.size());
        assertThat(summary.bytes()).isEqualTo(out.size());
        // Several data frames: the records hold more than one frame's bytes.
        assertThat(records.stream()
                        .mapToLong(r -> r.key.length + r.value.length)
                        .sum())
                .isGreaterThan(PortableFormat.FRAME_BYTES);
        List<Rec> read = new ArrayList<>();
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(out.toByteArray()), "test.part")) {
            assertThat(reader.tables()).isEqualTo(TABLES);
            assertThat(reader.properties())
                    .containsExactlyEntriesOf(new TreeMap<>(Map.of("kind", "test", "partition", "3")));
            while (reader.next()) {
                read.add(new Rec(reader.table(), reader.key(), reader.subKey(), reader.value()));
            }
            assertThat(reader.records()).isEqualTo(records.size());
        }
        assertThat(read).hasSameSizeAs(records);
        for (int i = 0; i < records.size(); i++) {
            assertThat(read.get(i).table).isEqualTo(records.get(i).table);
            assertThat(read.get(i).key).isEqualTo(records.get(i).key);
            assertThat(read.get(i).subKey)
                    .isEqualTo(records.get(i).subKey == null ? new byte[0] : records.get(i).subKey);
            assertThat(read.get(i).value).isEqualTo(records.get(i).value);
        }
    }

    @Test
    void anEmptyFileHasItsHeaderAndNoRecords() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(write(out, List.of(), Map.of()).records()).isZero();
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(out.toByteArray()), "empty")) {
            assertThat(reader.next()).isFalse();
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void recordsOutOfOrderAreRefusedByTheWriter() {
        PortableWriter writer = new PortableWriter(new ByteArrayOutputStream(), TABLES, Map.of());
        writer.write(1, bytes("b"), null, bytes("v"));
        assertThatThrownBy(() -> writer.write(1, bytes("a"), null, bytes("v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("increasing order");
        assertThatThrownBy(() -> writer.write(0, bytes("z"), null, bytes("v")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.write(1, bytes("b"), null, bytes("w")))
                .as("the same key twice")
                .isInstanceOf(IllegalArgumentException.class);
        writer.write(1, bytes("b"), new byte[] {0}, bytes("w"));
        assertThatThrownBy(() -> writer.write(3, bytes("c"), null, bytes("v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No table 3");
    }

    /** Two files merged and split again by key: each output sorted, every record in exactly one. */
    @Test
    void mergedFilesAreRoutedByKeyIntoSortedFiles() {
        List<Rec> records = sortedRecords(new Random(3), 5_000, 16);
        List<ByteArrayOutputStream> inputs = List.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
        List<List<Rec>> split = List.of(new ArrayList<>(), new ArrayList<>());
        for (Rec record : records) {
            split.get(Math.floorMod(Arrays.hashCode(record.key), 2)).add(record);
        }
        write(inputs.get(0), split.get(0), Map.of());
        write(inputs.get(1), split.get(1), Map.of());
        List<ByteArrayOutputStream> outputs = new ArrayList<>();
        List<PortableWriter> writers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            outputs.add(new ByteArrayOutputStream());
            writers.add(new PortableWriter(outputs.get(i), TABLES, Map.of()));
        }
        List<PortableReader> readers = inputs.stream()
                .map(in -> new PortableReader(new ByteArrayInputStream(in.toByteArray()), "in"))
                .toList();
        long written = PortableMerge.merge(readers, writers, (table, key) -> Math.floorMod(key[key.length - 1], 3));
        writers.forEach(PortableWriter::finish);

        assertThat(written).isEqualTo(records.size());
        long read = 0;
        for (int i = 0; i < 3; i++) {
            try (PortableReader reader =
                    new PortableReader(new ByteArrayInputStream(outputs.get(i).toByteArray()), "out")) {
                while (reader.next()) {
                    assertThat(Math.floorMod(reader.key()[reader.key().length - 1], 3))
                            .isEqualTo(i);
                    read++;
                }
            }
        }
        assertThat(read).isEqualTo(records.size());
    }

    @Test
    void theSameEntryInTwoMergedFilesIsRefused() {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Rec shared = new Rec(0, bytes("user-1"), null, bytes("x"));
        write(a, List.of(shared), Map.of());
        write(b, List.of(shared), Map.of());
        PortableWriter out = new PortableWriter(new ByteArrayOutputStream(), TABLES, Map.of());
        List<PortableReader> readers = List.of(
                new PortableReader(new ByteArrayInputStream(a.toByteArray()), "a"),
                new PortableReader(new ByteArrayInputStream(b.toByteArray()), "b"));
        assertThatThrownBy(() -> PortableMerge.merge(readers, List.of(out), (table, key) -> 0))
                .isInstanceOf(PortableFormatException.class)
                .hasMessageContaining("in two files");
    }

    /** Every single flipped bit, and every cut, is refused with an error naming the file: never read as other state. */
    @Test
    void aFileWithAnyBitFlippedOrCutShortIsRefused() {
        List<Rec> records = sortedRecords(new Random(11), 30, 12);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, records, Map.of("partition", "0"));
        byte[] file = out.toByteArray();
        int refused = 0;
        for (int bit = 0; bit < file.length * 8; bit++) {
            byte[] damaged = file.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> readAll(damaged))
                    .as("bit %d flipped", bit)
                    .isInstanceOf(PortableFormatException.class)
                    .hasMessageStartingWith("p-0.part: ");
            refused++;
        }
        for (int length = 0; length < file.length; length++) {
            byte[] cut = Arrays.copyOf(file, length);
            assertThatThrownBy(() -> readAll(cut))
                    .as("cut to %d bytes", length)
                    .isInstanceOf(PortableFormatException.class);
        }
        byte[] longer = Arrays.copyOf(file, file.length + 1);
        assertThatThrownBy(() -> readAll(longer)).hasMessageContaining("after its trailer");
        assertThat(refused).isEqualTo(file.length * 8);
    }

    private static void readAll(byte[] file) {
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(file), "p-0.part")) {
            reader.verifyToEnd();
        }
    }

    private static PortableSummary write(ByteArrayOutputStream out, List<Rec> records, Map<String, String> properties) {
        PortableWriter writer = new PortableWriter(out, TABLES, properties);
        for (Rec record : records) {
            writer.write(record.table, record.key, record.subKey, record.value);
        }
        return writer.finish();
    }

    private static List<Rec> sortedRecords(Random random, int count, int maxValue) {
        Comparator<Rec> order = Comparator.<Rec>comparingInt(r -> r.table)
                .thenComparing(r -> r.key, Arrays::compareUnsigned)
                .thenComparing(r -> r.subKey == null ? new byte[0] : r.subKey, Arrays::compareUnsigned);
        TreeSet<Rec> sorted = new TreeSet<>(order);
        while (sorted.size() < count) {
            int table = random.nextInt(TABLES.size());
            byte[] key = bytes("user-" + random.nextInt(count * 4));
            byte[] subKey = random.nextBoolean() ? null : new byte[] {(byte) random.nextInt(256)};
            byte[] value = new byte[random.nextInt(maxValue)];
            random.nextBytes(value);
            sorted.add(new Rec(table, key, subKey, value));
        }
        return new ArrayList<>(sorted);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
