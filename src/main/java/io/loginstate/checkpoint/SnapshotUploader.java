package io.loginstate.checkpoint;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Crc32c;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Uploads the files of one partition's local snapshots. An SST never changes, so it is stored once
 * under a key naming its size and checksum and only referenced by later checkpoints; the other
 * files belong to their checkpoint. Used by one upload at a time, so it needs no locks.
 */
final class SnapshotUploader {

    /** The files of an uploaded snapshot, and what the upload cost. */
    record Uploaded(List<FileEntry> files, int uploaded, int reused, long uploadedBytes) {}

    private final CheckpointLayout layout;
    private final ObjectStore store;
    /** Local SST name to its entry: a file's checksum is computed once. */
    private final Map<String, FileEntry> sstEntries = new HashMap<>();
    /**
     * Keys under {@code files/} known to be stored, with their stored sizes; listed on first use. An
     * object whose size is not the one its key names (a cut upload, damage at rest) is stored again.
     */
    private Map<String, Long> storedFiles;

    SnapshotUploader(CheckpointLayout layout, ObjectStore store) {
        this.layout = layout;
        this.store = store;
    }

    Uploaded upload(long checkpointId, Path directory) {
        if (storedFiles == null) {
            storedFiles = new HashMap<>();
            for (ObjectInfo object : store.list(layout.filesPrefix())) {
                storedFiles.put(object.key(), object.size());
            }
        }
        List<FileEntry> entries = new ArrayList<>();
        Set<String> currentSsts = new HashSet<>();
        long uploadedBytes = 0;
        int uploaded = 0;
        int reused = 0;
        for (Path file : files(directory)) {
            String name = file.getFileName().toString();
            long size = size(file);
            FileEntry entry;
            if (name.endsWith(".sst")) {
                currentSsts.add(name);
                entry = sharedEntry(file, name, size);
                Long stored = storedFiles.get(entry.key());
                if (stored != null && stored == entry.size()) {
                    reused++;
                    entries.add(entry);
                    continue;
                }
                storedFiles.put(entry.key(), entry.size());
            } else {
                entry = new FileEntry(name, layout.privateFile(checkpointId, name), size, Crc32c.of(file));
            }
            store.put(entry.key(), file);
            uploaded++;
            uploadedBytes += size;
            entries.add(entry);
        }
        sstEntries.keySet().retainAll(currentSsts);
        return new Uploaded(List.copyOf(entries), uploaded, reused, uploadedBytes);
    }

    /** Forgets that these keys are stored (retention deleted them). */
    void deleted(List<String> keys) {
        if (storedFiles != null) {
            keys.forEach(storedFiles::remove);
        }
    }

    private FileEntry sharedEntry(Path file, String name, long size) {
        FileEntry entry = sstEntries.get(name);
        if (entry == null || entry.size() != size) {
            String crc = Crc32c.of(file);
            entry = new FileEntry(name, layout.sharedFile(name, size, crc), size, crc);
            sstEntries.put(name, entry);
        }
        return entry;
    }

    private static List<Path> files(Path directory) {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + directory, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the size of " + file, e);
        }
    }
}
