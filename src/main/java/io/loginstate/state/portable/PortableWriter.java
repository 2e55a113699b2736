package io.loginstate.state.portable;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

/**
 * Writes a portable state file: a header naming the tables and a few properties, then records
 * {@code (table, key, subKey, value)} in strictly increasing order of table index, key and subKey
 * (unsigned bytes), then a trailer with the record count and the checksum of all data. The order is
 * checked: a caller that writes out of order gets an exception, never a file readers would reject.
 * {@link #finish} must be called for a complete file; the stream is not closed.
 */
public final class PortableWriter {

    private static final byte[] EMPTY = new byte[0];

    private final OutputStream out;
    private final int tableCount;
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final CRC32C dataCrc = new CRC32C();
    private byte[] payload = new byte[64 << 10];
    private int payloadLength;
    private byte[] compressed = new byte[64 << 10];
    private long records;
    private long rawDataBytes;
    private long written;
    private int lastTable = -1;
    private byte[] lastKey;
    private byte[] lastSubKey;
    private boolean finished;

    /** Writes the header at once; {@code properties} are written sorted by name. */
    public PortableWriter(OutputStream out, List<String> tables, Map<String, String> properties) {
        this.out = out;
        this.tableCount = tables.size();
        try {
            out.write(PortableFormat.MAGIC);
            out.write(PortableFormat.VERSION);
            written = PortableFormat.MAGIC.length + 1L;
            putVarint(tables.size());
            for (String table : tables) {
                putString(table);
            }
            Map<String, String> sorted = new TreeMap<>(properties);
            putVarint(sorted.size());
            for (Map.Entry<String, String> property : sorted.entrySet()) {
                putString(property.getKey());
                putString(property.getValue());
            }
            writeFrame(PortableFormat.HEADER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends one record; {@code subKey} may be null (stored as empty). */
    public void write(int table, byte[] key, byte[] subKey, byte[] value) {
        if (finished) {
            throw new IllegalStateException("The file is finished");
        }
        if (table < 0 || table >= tableCount) {
            throw new IllegalArgumentException("No table " + table + " of " + tableCount);
        }
        byte[] sub = subKey == null ? EMPTY : subKey;
        if ((long) key.length + sub.length + value.length + 40 > PortableFormat.MAX_FRAME_BYTES) {
            throw new IllegalArgumentException(
                    "A record of " + (key.length + sub.length + value.length) + " bytes is larger than a frame may be");
        }
        if (lastKey != null && compare(table, key, sub) <= 0) {
            throw new IllegalArgumentException("Records must be written in strictly increasing order of table, key"
                    + " and subKey; record " + records + " is not");
        }
        putVarint(table);
        putBytes(key);
        putBytes(sub);
        putBytes(value);
        lastTable = table;
        lastKey = key.clone();
        lastSubKey = sub.clone();
        records++;
        if (payloadLength >= PortableFormat.FRAME_BYTES) {
            flushData();
        }
    }

    private int compare(int table, byte[] key, byte[] subKey) {
        if (table != lastTable) {
            return Integer.compare(table, lastTable);
        }
        int byKey = Arrays.compareUnsigned(key, lastKey);
        return byKey != 0 ? byKey : Arrays.compareUnsigned(subKey, lastSubKey);
    }

    /** Writes the last data frame and the trailer, flushes, and says what the file holds. */
    public PortableSummary finish() {
        if (finished) {
            throw new IllegalStateException("The file is finished");
        }
        flushData();
        putLong(records);
        putLong(rawDataBytes);
        putInt((int) dataCrc.getValue());
        try {
            writeFrame(PortableFormat.TRAILER);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
        finished = true;
        return new PortableSummary(records, written, crcHex(dataCrc.getValue()));
    }

    static String crcHex(long crc) {
        return HexFormat.of().toHexDigits((int) crc);
    }

    private void flushData() {
        if (payloadLength == 0) {
            return;
        }
        dataCrc.update(payload, 0, payloadLength);
        rawDataBytes += payloadLength;
        try {
            writeFrame(PortableFormat.DATA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeFrame(byte type) throws IOException {
        deflater.reset();
        deflater.setInput(payload, 0, payloadLength);
        deflater.finish();
        int storedLength = 0;
        while (!deflater.finished()) {
            if (storedLength == compressed.length) {
                compressed = Arrays.copyOf(compressed, compressed.length * 2);
            }
            storedLength += deflater.deflate(compressed, storedLength, compressed.length - storedLength);
        }
        CRC32C crc = new CRC32C();
        crc.update(compressed, 0, storedLength);
        byte[] frameHeader = new byte[PortableFormat.FRAME_HEADER_BYTES];
        frameHeader[0] = type;
        putInt(frameHeader, 1, storedLength);
        putInt(frameHeader, 5, payloadLength);
        putInt(frameHeader, 9, (int) crc.getValue());
        out.write(frameHeader);
        out.write(compressed, 0, storedLength);
        written += frameHeader.length + storedLength;
        payloadLength = 0;
    }

    private void putString(String value) {
        putBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    private void putBytes(byte[] bytes) {
        putVarint(bytes.length);
        ensure(bytes.length);
        System.arraycopy(bytes, 0, payload, payloadLength, bytes.length);
        payloadLength += bytes.length;
    }

    private void putVarint(long value) {
        ensure(10);
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            payload[payloadLength++] = (byte) ((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        payload[payloadLength++] = (byte) rest;
    }

    private void putLong(long value) {
        putInt((int) (value >>> 32));
        putInt((int) value);
    }

    private void putInt(int value) {
        ensure(Integer.BYTES);
        putInt(payload, payloadLength, value);
        payloadLength += Integer.BYTES;
    }

    private static void putInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }

    private void ensure(int bytes) {
        if (payloadLength + bytes > payload.length) {
            payload = Arrays.copyOf(payload, Math.max(payload.length * 2, payloadLength + bytes));
        }
    }
}
