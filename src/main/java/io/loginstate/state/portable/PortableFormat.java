package io.loginstate.state.portable;

/**
 * Constants of the portable state format (docs/SAVEPOINT-FORMAT.md): a file is the magic, a format
 * version byte, then frames. A frame is {@code type:u8 | storedLength:u32 | rawLength:u32 |
 * crc32c:u32 | stored bytes}, big-endian; the stored bytes are the raw payload compressed with zlib
 * (RFC 1950), and the CRC-32C is of the stored bytes (so every flipped bit of a frame is found,
 * even one zlib ignores). The first frame is the header, the last the
 * trailer, data frames lie between.
 */
public final class PortableFormat {

    /** "LSPT": login-state portable table records. */
    public static final byte[] MAGIC = {'L', 'S', 'P', 'T'};

    public static final int VERSION = 1;

    public static final byte HEADER = 'H';
    public static final byte DATA = 'D';
    public static final byte TRAILER = 'T';

    /** Raw payload bytes after which a data frame is closed. */
    public static final int FRAME_BYTES = 1 << 20;

    /** No frame of a valid file holds more than this, raw or stored; a larger length is damage. */
    public static final int MAX_FRAME_BYTES = 64 << 20;

    /** Bytes of a frame's fixed part: type, two lengths, checksum. */
    public static final int FRAME_HEADER_BYTES = 1 + 3 * Integer.BYTES;

    private PortableFormat() {}
}
