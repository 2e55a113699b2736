package io.loginstate.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** CRC-32C of bytes and files, as the fixed-width hex string (8 digits) used in object keys and manifests. */
public final class Crc32c {

    private Crc32c() {}

    public static String of(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return hex(crc.getValue());
    }

    public static String of(Path file) {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                crc.update(buffer, 0, read);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return hex(crc.getValue());
    }

    public static String hex(long crc) {
        return String.format("%08x", crc);
    }

    /**
     * Null if {@code local}, a copy of the object {@code key}, has the size and CRC-32C a manifest
     * lists for it; else what differs, naming the object key.
     */
    public static String mismatch(String key, long size, String crc32c, Path local) {
        try {
            long actual = Files.size(local);
            if (actual != size) {
                return key + " has " + actual + " bytes, the manifest says " + size;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String crc = of(local);
        if (!crc.equals(crc32c)) {
            return key + " has CRC-32C " + crc + ", the manifest says " + crc32c;
        }
        return null;
    }
}
