package io.loginstate.testing;

import io.loginstate.state.portable.PortableReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;

/**
 * Where a text is stored under a directory, the way an auditor would look: in the raw bytes of
 * every file (UTF-8, lower- and upper-case hex: {@link RawFiles}), in every decoded key and value
 * of each RocksDB table file (they are compressed, so raw bytes hide them), and in every decoded
 * record of each portable state file (zlib-compressed savepoint parts and heap snapshots).
 * Files are recognised by content, not by name, so checkpoint objects are read too.
 */
public final class StoredTraces {

    /** The last 8 bytes of a block-based table file: RocksDB's magic number, little-endian. */
    private static final long SST_MAGIC = 0x88e241b785f4cff7L;

    static {
        RocksDB.loadLibrary();
    }

    private StoredTraces() {}

    /** The files holding {@code text}, relative to {@code root}, each with how it was found. */
    public static List<String> of(Path root, String text) {
        List<String> hits = new ArrayList<>();
        for (String raw : RawFiles.containing(root, text)) {
            hits.add("raw " + raw);
        }
        for (Path file : files(root)) {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = root.relativize(file).toString();
            if (isSst(content) && sstHolds(file, text)) {
                hits.add("decoded table " + name);
            } else if (portableHolds(content, name, text)) {
                hits.add("decoded portable " + name);
            }
        }
        return hits;
    }

    private static List<Path> files(Path root) {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException | UncheckedIOException e) {
            // A background job removed a directory while it was walked: once more.
            try (Stream<Path> walk = Files.walk(root)) {
                return walk.filter(Files::isRegularFile).toList();
            } catch (IOException again) {
                throw new UncheckedIOException(again);
            }
        }
    }

    private static boolean isSst(byte[] content) {
        if (content.length < 8) {
            return false;
        }
        long magic = 0;
        for (int i = 7; i >= 0; i--) {
            magic = (magic << 8) | (content[content.length - 8 + i] & 0xFF);
        }
        return magic == SST_MAGIC;
    }

    private static boolean sstHolds(Path sst, String text) {
        return tableHolds(sst, text).orElseThrow(() -> new IllegalStateException("Cannot read table file " + sst));
    }

    /**
     * Whether a decoded key or value of the RocksDB table file holds {@code text}: empty while the
     * file cannot be read (a flush or compaction still writing it), false once it is gone.
     */
    public static Optional<Boolean> tableHolds(Path sst, String text) {
        try (Options options = new Options();
                SstFileReader reader = new SstFileReader(options);
                ReadOptions read = new ReadOptions()) {
            reader.open(sst.toString());
            try (SstFileReaderIterator entries = reader.newIterator(read)) {
                for (entries.seekToFirst(); entries.isValid(); entries.next()) {
                    if (RawFiles.holds(entries.key(), text) || RawFiles.holds(entries.value(), text)) {
                        return Optional.of(true);
                    }
                }
            }
            return Optional.of(false);
        } catch (RocksDBException e) {
            return Files.exists(sst) ? Optional.empty() : Optional.of(false);
        }
    }

    /** Whether {@code content} is a portable state file with a record holding {@code text}; false if it is none. */
    private static boolean portableHolds(byte[] content, String name, String text) {
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(content), name)) {
            while (reader.next()) {
                if (RawFiles.holds(reader.key(), text)
                        || RawFiles.holds(reader.subKey(), text)
                        || RawFiles.holds(reader.value(), text)) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            return false; // not a portable file
        }
    }
}
