package io.loginstate.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/** The heap-encoded batch is byte for byte the batch RocksDB's own calls build, and writes the same data. */
class EncodedWriteBatchTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void loadLibrary() {
        RocksDB.loadLibrary();
    }

    @Test
    void encodesPutsAndDeletesAsRocksDBDoes() throws RocksDBException {
        // Column families up to id 140: ids of one and of two varint bytes, the default one (0) among them.
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (int i = 1; i <= 140; i++) {
            descriptors.add(new ColumnFamilyDescriptor(key("cf" + i)));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles);
                WriteBatch expected = new WriteBatch()) {
            assertThat(handles.get(140).getID()).isGreaterThan(127);
            EncodedWriteBatch encoded = new EncodedWriteBatch(16); // grows many times
            for (int i = 0; i < 2_000; i++) {
                ColumnFamilyHandle handle = handles.get(random.nextInt(4) == 0 ? 0 : random.nextInt(1, handles.size()));
                // Keys and values of one- and two-byte lengths, empty values included.
                byte[] key = bytes(random, random.nextInt(1, 200));
                if (random.nextInt(5) == 0) {
                    encoded.delete(handle.getID(), key);
                    expected.delete(handle, key);
                } else {
                    byte[] value = bytes(random, random.nextInt(0, 400));
                    encoded.put(handle.getID(), key, value);
                    expected.put(handle, key, value);
                }
            }
            assertThat(encoded.count()).isEqualTo(expected.count());
            assertThat(encoded.encoded()).isEqualTo(expected.data());
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    @Test
    void aWrittenBatchIsReadBackInEveryColumnFamily() throws RocksDBException {
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor("a".getBytes(StandardCharsets.UTF_8)),
                new ColumnFamilyDescriptor("b".getBytes(StandardCharsets.UTF_8)));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles);
                WriteOptions write = new WriteOptions()) {
            db.put(handles.get(2), key("gone"), key("before"));
            assertThat(db.get(handles.get(2), key("gone"))).isNotNull();
            EncodedWriteBatch encoded = new EncodedWriteBatch(64);
            for (int i = 0; i < 3; i++) {
                encoded.put(handles.get(i).getID(), key("k"), key("value in " + i));
            }
            encoded.delete(handles.get(2).getID(), key("gone"));
            try (WriteBatch batch = encoded.toWriteBatch()) {
                db.write(write, batch);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(db.get(handles.get(i), key("k"))).isEqualTo(key("value in " + i));
            }
            assertThat(db.get(handles.get(2), key("gone"))).isNull();
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
