package io.loginstate.state.rocksdb;

import java.util.Arrays;
import org.rocksdb.WriteBatch;

/**
 * A write batch encoded on the heap in RocksDB's own representation, handed to RocksDB in one call:
 * a commit of many thousand entries crosses into native code once instead of once per entry. The
 * representation (RocksDB's {@code write_batch.cc}): a header of a sequence number (fixed64, 0 here;
 * the write assigns it) and the record count (fixed32), then one record per entry, a type byte, the
 * column family's id (varint32) unless it is the default one, and the key and value as varint32
 * lengths followed by their bytes. For one writer thread; not reusable after {@link #toWriteBatch}.
 */
final class EncodedWriteBatch {

    private static final int HEADER = 12;
    private static final int COUNT_OFFSET = 8;
    private static final byte TYPE_DELETION = 0x0;
    private static final byte TYPE_VALUE = 0x1;
    private static final byte TYPE_COLUMN_FAMILY_DELETION = 0x4;
    private static final byte TYPE_COLUMN_FAMILY_VALUE = 0x5;
    /** A type byte and three varint32s at most. */
    private static final int MAX_RECORD_OVERHEAD = 1 + 3 * 5;

    private byte[] bytes;
    private int size = HEADER;
    private int count;

    EncodedWriteBatch(int initialCapacity) {
        bytes = new byte[Math.max(HEADER + MAX_RECORD_OVERHEAD, initialCapacity)];
    }

    void put(int columnFamilyId, byte[] key, byte[] value) {
        reserve(MAX_RECORD_OVERHEAD + key.length + value.length);
        type(columnFamilyId, TYPE_VALUE, TYPE_COLUMN_FAMILY_VALUE);
        bytes(key);
        bytes(value);
        count++;
    }

    void delete(int columnFamilyId, byte[] key) {
        reserve(MAX_RECORD_OVERHEAD + key.length);
        type(columnFamilyId, TYPE_DELETION, TYPE_COLUMN_FAMILY_DELETION);
        bytes(key);
        count++;
    }

    int count() {
        return count;
    }

    /** Bytes of the encoded batch, its header included. */
    int size() {
        return size;
    }

    /** The bytes of the batch as RocksDB encodes it. */
    byte[] encoded() {
        byte[] encoded = Arrays.copyOf(bytes, size);
        for (int i = 0; i < Integer.BYTES; i++) {
            encoded[COUNT_OFFSET + i] = (byte) (count >>> (8 * i));
        }
        return encoded;
    }

    /** A native batch holding these records; the caller closes it. */
    WriteBatch toWriteBatch() {
        return new WriteBatch(encoded());
    }

    private void type(int columnFamilyId, byte inDefault, byte inOther) {
        if (columnFamilyId == 0) {
            bytes[size++] = inDefault;
        } else {
            bytes[size++] = inOther;
            varint(columnFamilyId);
        }
    }

    private void bytes(byte[] data) {
        varint(data.length);
        System.arraycopy(data, 0, bytes, size, data.length);
        size += data.length;
    }

    private void varint(int value) {
        int rest = value;
        while ((rest & ~0x7F) != 0) {
            bytes[size++] = (byte) ((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        bytes[size++] = (byte) rest;
    }

    private void reserve(long needed) {
        long required = size + needed;
        if (required <= bytes.length) {
            return;
        }
        if (required > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("A write batch outgrew one array: " + required + " bytes");
        }
        bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(required, 2L * bytes.length)));
    }
}
