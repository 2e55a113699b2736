package io.loginstate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the service's log says about its partitions: where each was opened, which checkpoint it was
 * restored from, where it was closed. Per partition number, the last such line of the file wins.
 */
public final class ServiceLog {

    private static final Pattern OPENED =
            Pattern.compile("Partition (\\S+)-(\\d+) opened in \\d+ ms at offset (\\d+|beginning)");
    private static final Pattern RESTORED = Pattern.compile(
            "Partition (\\S+)-(\\d+): restored checkpoint \\S+ at offset (\\d+): \\d+ files, (\\d+) bytes");
    private static final Pattern KEPT_LOCAL =
            Pattern.compile("Partition (\\S+)-(\\d+): local state at offset (\\d+) is at least as new as checkpoint");
    private static final Pattern CLOSED = Pattern.compile("Partition (\\S+)-(\\d+) closed at offset (-?\\d+)");
    private static final Pattern FINAL_CHECKPOINT =
            Pattern.compile("Partition (\\S+)-(\\d+): final checkpoint published at offset (\\d+)");

    private final Path file;

    public ServiceLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Offset each partition was opened at; 0 for "beginning" (no state). */
    public Map<Integer, Long> openedAt() {
        return lastPerPartition(OPENED);
    }

    /** Offset of the checkpoint each partition was restored from (downloaded from the object store). */
    public Map<Integer, Long> restoredAt() {
        return lastPerPartition(RESTORED);
    }

    /** Bytes downloaded per restored partition. */
    public Map<Integer, Long> restoredBytes() {
        Map<Integer, Long> result = new TreeMap<>();
        Matcher matcher = RESTORED.matcher(text());
        while (matcher.find()) {
            result.put(Integer.parseInt(matcher.group(2)), Long.parseLong(matcher.group(4)));
        }
        return result;
    }

    /** Local state position of partitions whose local state was kept instead of a download. */
    public Map<Integer, Long> keptLocalAt() {
        return lastPerPartition(KEPT_LOCAL);
    }

    public Map<Integer, Long> closedAt() {
        return lastPerPartition(CLOSED);
    }

    public Map<Integer, Long> finalCheckpointAt() {
        return lastPerPartition(FINAL_CHECKPOINT);
    }

    /** Whether a thread logged that it reached fault point {@code name} and is parked there. */
    public boolean faultPointReached(String name) {
        return !lines("Fault point " + name + " reached; pausing").isEmpty();
    }

    /** Lines containing {@code fragment}. */
    public List<String> lines(String fragment) {
        return text().lines().filter(line -> line.contains(fragment)).toList();
    }

    private Map<Integer, Long> lastPerPartition(Pattern pattern) {
        Map<Integer, Long> result = new TreeMap<>();
        Matcher matcher = pattern.matcher(text());
        while (matcher.find()) {
            String offset = matcher.group(3);
            result.put(Integer.parseInt(matcher.group(2)), "beginning".equals(offset) ? 0L : Long.parseLong(offset));
        }
        return result;
    }

    private String text() {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
