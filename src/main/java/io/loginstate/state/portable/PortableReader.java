package io.loginstate.state.portable;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a portable state file written by {@link PortableWriter}, checking as it goes: the magic and
 * version, each frame's lengths and CRC-32C, the strict order of records, and at the end the
 * trailer's record count and data checksum, and that nothing follows it. Any deviation is a
 * {@link PortableFormatException} naming the source; a file cut short is one too, never a shorter
 * state. Records are read as a cursor: {@link #next}, then {@link #table}, {@link #key},
 * {@link #subKey}, {@link #value} (fresh arrays, the caller may keep them).
 */
public final class PortableReader implements AutoCloseable {

    private final DataInputStream in;
    private final String source;
    private final Inflater inflater = new Inflater();
    private final CRC32C dataCrc = new CRC32C();
    private final List<String> tables;
    private final Map<String, String> properties;
    private byte[] payload = new byte[0];
    private int payloadLength;
    private int position;
    private long records;
    private long rawDataBytes;
    private boolean ended;
    private int table = -1;
    private byte[] key;
    private byte[] subKey;
    private byte[] value;

    /** Reads the header at once; {@code source} names the file in errors. */
    public PortableReader(InputStream in, String source) {
        this.in = new DataInputStream(in);
        this.source = source;
        try {
            byte[] magic = new byte[PortableFormat.MAGIC.length];
            this.in.readFully(magic);
            if (!Arrays.equals(magic, PortableFormat.MAGIC)) {
                throw corrupt("not a portable state file (no LSPT magic)");
            }
            int version = this.in.readUnsignedByte();
            if (version != PortableFormat.VERSION) {
                throw corrupt(
                        "portable format version " + version + ", this build reads version " + PortableFormat.VERSION);
            }
            if (readFrame() != PortableFormat.HEADER) {
                throw corrupt("the first frame is not the header");
            }
            List<String> names = new ArrayList<>();
            for (long i = 0, n = varint(); i < n; i++) {
                names.add(string());
            }
            Map<String, String> props = new LinkedHashMap<>();
            for (long i = 0, n = varint(); i < n; i++) {
                props.put(string(), string());
            }
            if (position != payloadLength) {
                throw corrupt("the header has " + (payloadLength - position) + " bytes too many");
            }
            this.tables = Collections.unmodifiableList(names);
            this.properties = Collections.unmodifiableMap(props);
        } catch (EOFException e) {
            inflater.end();
            throw corrupt("cut short in its header");
        } catch (IOException e) {
            inflater.end();
            throw new PortableFormatException(source, "cannot be read", e);
        } catch (RuntimeException e) {
            inflater.end();
            throw e;
        }
    }

    public List<String> tables() {
        return tables;
    }

    public Map<String, String> properties() {
        return properties;
    }

    /** Moves to the next record; false after the last one, once the trailer has been checked. */
    public boolean next() {
        if (ended) {
            return false;
        }
        try {
            while (position == payloadLength) {
                byte type = readFrame();
                if (type == PortableFormat.TRAILER) {
                    checkTrailer();
                    return false;
                }
                if (type != PortableFormat.DATA) {
                    throw corrupt("a frame of unknown type " + type);
                }
                dataCrc.update(payload, 0, payloadLength);
                rawDataBytes += payloadLength;
            }
            int nextTable = (int) varint();
            byte[] nextKey = bytes();
            byte[] nextSubKey = bytes();
            byte[] nextValue = bytes();
            if (nextTable >= tables.size()) {
                throw corrupt("record " + records + " names table " + nextTable + " of " + tables.size());
            }
            if (key != null && !increasing(nextTable, nextKey, nextSubKey)) {
                throw corrupt("record " + records + " is out of order");
            }
            table = nextTable;
            key = nextKey;
            subKey = nextSubKey;
            value = nextValue;
            records++;
            return true;
        } catch (EOFException e) {
            throw corrupt("cut short after " + records + " records (no trailer)");
        } catch (IOException e) {
            throw new PortableFormatException(source, "cannot be read", e);
        }
    }

    private boolean increasing(int nextTable, byte[] nextKey, byte[] nextSubKey) {
        if (nextTable != table) {
            return nextTable > table;
        }
        int byKey = Arrays.compareUnsigned(nextKey, key);
        return byKey > 0 || (byKey == 0 && Arrays.compareUnsigned(nextSubKey, subKey) > 0);
    }

    private void checkTrailer() throws IOException {
        long expectedRecords = longValue();
        long expectedBytes = longValue();
        int expectedCrc = intValue();
        if (position != payloadLength) {
            throw corrupt("the trailer has " + (payloadLength - position) + " bytes too many");
        }
        if (expectedRecords != records || expectedBytes != rawDataBytes || expectedCrc != (int) dataCrc.getValue()) {
            throw corrupt("holds " + records + " records, its trailer says " + expectedRecords);
        }
        if (in.read() != -1) {
            throw corrupt("has bytes after its trailer");
        }
        ended = true;
        table = -1;
    }

    /** The records read so far. */
    public long records() {
        return records;
    }

    public int table() {
        return table;
    }

    public String tableName() {
        return tables.get(table);
    }

    public byte[] key() {
        return key;
    }

    public byte[] subKey() {
        return subKey;
    }

    public byte[] value() {
        return value;
    }

    /** Reads every remaining record, checking everything; returns the record count of the file. */
    public long verifyToEnd() {
        while (next()) {
            // each record is checked by next()
        }
        return records;
    }

    private byte readFrame() throws IOException {
        byte type = in.readByte();
        int storedLength = in.readInt();
        int rawLength = in.readInt();
        int crc = in.readInt();
        if (storedLength < 0
                || rawLength < 0
                || storedLength > PortableFormat.MAX_FRAME_BYTES
                || rawLength > PortableFormat.MAX_FRAME_BYTES) {
            throw corrupt("a frame with impossible lengths (" + storedLength + ", " + rawLength + ")");
        }
        byte[] stored = new byte[storedLength];
        in.readFully(stored);
        CRC32C check = new CRC32C();
        check.update(stored);
        if ((int) check.getValue() != crc) {
            throw corrupt("a frame fails its CRC-32C");
        }
        if (payload.length < rawLength + 1) {
            payload = new byte[rawLength + 1];
        }
        inflater.reset();
        inflater.setInput(stored);
        try {
            int length = 0;
            while (!inflater.finished() && length <= rawLength) {
                int inflated = inflater.inflate(payload, length, rawLength + 1 - length);
                if (inflated == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                length += inflated;
            }
            if (length != rawLength || !inflater.finished() || inflater.getRemaining() != 0) {
                throw corrupt("a frame that does not inflate to its stated length");
            }
        } catch (DataFormatException e) {
            throw corrupt("a frame that does not inflate: " + e.getMessage());
        }
        payloadLength = rawLength;
        position = 0;
        return type;
    }

    private long varint() throws EOFException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = nextByte();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw corrupt("a length that does not end");
    }

    private byte nextByte() throws EOFException {
        if (position >= payloadLength) {
            throw corrupt("a record that runs past its frame");
        }
        return payload[position++];
    }

    private byte[] bytes() throws EOFException {
        long length = varint();
        if (length < 0 || length > payloadLength - position) {
            throw corrupt("a record that runs past its frame");
        }
        byte[] bytes = Arrays.copyOfRange(payload, position, position + (int) length);
        position += (int) length;
        return bytes;
    }

    private String string() throws EOFException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    private long longValue() throws EOFException {
        return ((long) intValue() << 32) | (intValue() & 0xFFFFFFFFL);
    }

    private int intValue() throws EOFException {
        int value = 0;
        for (int i = 0; i < Integer.BYTES; i++) {
            value = (value << 8) | (nextByte() & 0xFF);
        }
        return value;
    }

    private PortableFormatException corrupt(String problem) {
        return new PortableFormatException(source, problem);
    }

    /** Releases the decompressor; the stream is not closed. */
    @Override
    public void close() {
        inflater.end();
    }
}
