package io.loginstate.checkpoint;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** CRC-32C of files, as the fixed-width hex string used in object keys and manifests. */
final class FileChecksums {

    private FileChecksums() {}

    static String crc32c(Path file) {
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
        return String.format("%08x", crc.getValue());
    }

    /**
     * Null if {@code local}, a copy of the entry's object, has the size and CRC-32C the manifest
     * lists; else what differs, naming the object key.
     */
    static String mismatch(FileEntry file, Path local) {
        try {
            long size = Files.size(local);
            if (size != file.size()) {
                return file.key() + " has " + size + " bytes, the manifest says " + file.size();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String crc = crc32c(local);
        if (!crc.equals(file.crc32c())) {
            return file.key() + " has CRC-32C " + crc + ", the manifest says " + file.crc32c();
        }
        return null;
    }
}
