package io.loginstate.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.store.ByteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options a partition's database runs with, as RocksDB itself records them in its OPTIONS file. */
class RocksDBOptionsTest {

    @TempDir
    Path dir;

    @Test
    void everyTableCompactsLevel0AfterSixFilesAndCompressesWithLz4() throws IOException {
        RocksDBSharedResources shared = new RocksDBSharedResources(16 << 20, 8 << 20);
        Path db = dir.resolve("db");
        try (ByteStore store = RocksDBStore.open("options", db, List.of("users", "devices"), shared)) {
            List<String> lines = latestOptionsFile(db);
            List<String> tables = new ArrayList<>();
            String table = null;
            for (String line : lines) {
                String trimmed = line.trim();
                if (trimmed.startsWith("[CFOptions \"")) {
                    table = trimmed.substring("[CFOptions \"".length(), trimmed.length() - 2);
                    tables.add(table);
                } else if (trimmed.startsWith("[")) {
                    table = null;
                } else if (table != null && trimmed.startsWith("level0_file_num_compaction_trigger=")) {
                    assertThat(trimmed).as(table).isEqualTo("level0_file_num_compaction_trigger=6");
                } else if (table != null && trimmed.startsWith("compression=")) {
                    assertThat(trimmed).as(table).isEqualTo("compression=kLZ4Compression");
                }
            }
            assertThat(tables).contains("users", "devices");
            assertThat(lines)
                    .filteredOn(line -> line.trim().startsWith("level0_file_num_compaction_trigger="))
                    .hasSize(tables.size());
        } finally {
            shared.close();
        }
    }

    private static List<String> latestOptionsFile(Path db) throws IOException {
        try (Stream<Path> files = Files.list(db)) {
            Path latest = files.filter(file -> file.getFileName().toString().startsWith("OPTIONS-"))
                    .max((a, b) ->
                            a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .orElseThrow();
            return Files.readAllLines(latest);
        }
    }
}
