package io.loginstate.savepoint;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.portable.PortableMerge;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.support.Crc32c;
import io.loginstate.support.Directories;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rewrites a complete savepoint for a topic that now has more partitions: every entry moves to the
 * partition the producers' partitioner gives its key under the new count. The old partitions keep
 * their offsets (their logs go on); the new ones start at offset 0 (their logs start empty). One
 * pass over all parts in key order ({@link PortableMerge}), so every new part is sorted and memory
 * holds one record per old part. The new savepoint is written as a complete one: request, parts,
 * summaries, then the manifest last; the old savepoint is left as it is.
 *
 * <p>Event time of a new partition: the earliest of the old parts' (a later event on it is then
 * never taken as late, and no entry expires sooner than it would have where it was).
 */
public final class SavepointResplit {

    /** How producers place a key: the service's {@code login-state.partitioner}. */
    @FunctionalInterface
    public interface Partitioner {
        int partition(byte[] key, int partitions);
    }

    /** The new savepoint: its id and the records of each of its parts. */
    public record Result(String id, int partitions, List<Long> records) {}

    private static final String WRITER = "resplit";
    private static final String NEXT_OFFSET = "next-offset";
    private static final String MAX_EVENT_TIME = "max-event-time";
    private static final String WATERMARK = "watermark";
    private static final String NONE = "none";

    private final SavepointCatalog catalog;
    private final InstantSource clock;
    private final Path workDir;

    public SavepointResplit(SavepointCatalog catalog, InstantSource clock, Path workDir) {
        this.catalog = catalog;
        this.clock = clock;
        this.workDir = workDir;
    }

    /**
     * Writes savepoint {@code targetId} holding {@code sourceId}'s state spread over
     * {@code partitions} partitions.
     *
     * @throws SavepointRefusedException if the source is not complete, a part is damaged, or the
     *     same entry is in two parts (the producers did not follow {@code partitioner})
     * @throws IllegalArgumentException if {@code partitions} is not more than the source has, or the
     *     target id is taken
     */
    public Result resplit(String sourceId, String targetId, int partitions, Partitioner partitioner) {
        SavepointLayout.checkId(targetId);
        SavepointManifest source = catalog.manifest(sourceId)
                .orElseThrow(() -> catalog.request(sourceId).isPresent()
                        ? new SavepointRefusedException(
                                "Savepoint " + sourceId + " is not complete; only a complete savepoint can be resplit")
                        : new SavepointNotFoundException(sourceId));
        if (partitions <= source.partitions()) {
            throw new IllegalArgumentException("Savepoint " + sourceId + " has " + source.partitions()
                    + " partitions; Kafka partitions only grow, so resplit asks for more, not " + partitions);
        }
        if (catalog.request(targetId).isPresent()) {
            throw new IllegalArgumentException("A savepoint " + targetId + " exists already");
        }
        Path directory = workDir.resolve("resplit-" + targetId);
        Directories.deleteRecursively(directory);
        try {
            Files.createDirectories(directory);
            return write(source, targetId, partitions, partitioner, directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot resplit savepoint " + sourceId, e);
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private Result write(
            SavepointManifest source, String targetId, int partitions, Partitioner partitioner, Path directory)
            throws IOException {
        SavepointSource parts = new SavepointSource(catalog, source.id(), Duration.ofDays(365_000), clock);
        List<Path> inputs = new ArrayList<>();
        for (int p = 0; p < source.partitions(); p++) {
            Path file = directory.resolve("in-" + p);
            parts.download(source, p, file);
            inputs.add(file);
        }
        List<InputStream> streams = new ArrayList<>();
        List<PortableReader> readers = new ArrayList<>();
        List<OutputStream> outputs = new ArrayList<>();
        List<PortableWriter> writers = new ArrayList<>();
        List<Map<String, String>> properties = new ArrayList<>();
        try {
            for (int p = 0; p < inputs.size(); p++) {
                InputStream in = new BufferedInputStream(Files.newInputStream(inputs.get(p)), 1 << 16);
                streams.add(in);
                readers.add(new PortableReader(in, source.part(p).key()));
            }
            for (int t = 0; t < partitions; t++) {
                Map<String, String> header = header(source, readers, targetId, t);
                properties.add(header);
                OutputStream out =
                        new BufferedOutputStream(Files.newOutputStream(directory.resolve("out-" + t)), 1 << 16);
                outputs.add(out);
                writers.add(new PortableWriter(out, readers.get(0).tables(), header));
            }
            try {
                PortableMerge.merge(readers, writers, (table, key) -> partitioner.partition(key, partitions));
            } catch (io.loginstate.state.portable.PortableFormatException e) {
                throw new SavepointRefusedException(
                        "Savepoint " + source.id() + " cannot be resplit: " + e.getMessage(), e);
            }
            List<Long> records = new ArrayList<>();
            for (PortableWriter writer : writers) {
                records.add(writer.finish().records());
            }
            for (OutputStream out : outputs) {
                out.close();
            }
            outputs.clear();
            publish(source, targetId, partitions, directory, properties, records);
            return new Result(targetId, partitions, List.copyOf(records));
        } finally {
            readers.forEach(PortableReader::close);
            for (InputStream in : streams) {
                in.close();
            }
            for (OutputStream out : outputs) {
                out.close();
            }
        }
    }

    /** An old partition's header as its part has it; a new partition's at offset 0 and the earliest event time. */
    private static Map<String, String> header(
            SavepointManifest source, List<PortableReader> readers, String targetId, int partition) {
        Map<String, String> header = new TreeMap<>(
                readers.get(Math.min(partition, readers.size() - 1)).properties());
        header.put("savepoint.id", targetId);
        header.put("partition", Integer.toString(partition));
        if (partition >= source.partitions()) {
            header.put(NEXT_OFFSET, "0");
            header.put(MAX_EVENT_TIME, earliest(readers, MAX_EVENT_TIME));
            header.put(WATERMARK, earliest(readers, WATERMARK));
        }
        return header;
    }

    private static String earliest(List<PortableReader> readers, String property) {
        long earliest = EventTimeClock.NO_TIME;
        for (PortableReader reader : readers) {
            String value = reader.properties().getOrDefault(property, NONE);
            if (!value.equals(NONE)) {
                long time = Long.parseLong(value);
                earliest = earliest == EventTimeClock.NO_TIME ? time : Math.min(earliest, time);
            }
        }
        return earliest == EventTimeClock.NO_TIME ? NONE : Long.toString(earliest);
    }

    private void publish(
            SavepointManifest source,
            String targetId,
            int partitions,
            Path directory,
            List<Map<String, String>> properties,
            List<Long> records) {
        Instant now = clock.instant();
        if (!catalog.create(new SavepointRequest(
                SavepointRequest.FORMAT_VERSION,
                targetId,
                source.topic(),
                partitions,
                source.partitioner(),
                source.deployment(),
                now,
                WRITER + " of " + source.id(),
                false))) {
            throw new IllegalArgumentException("A savepoint " + targetId + " exists already");
        }
        List<SavepointManifest.PartEntry> entries = new ArrayList<>();
        for (int t = 0; t < partitions; t++) {
            Path file = directory.resolve("out-" + t);
            String key = SavepointLayout.part(targetId, source.topic(), t, 0, 0, WRITER);
            catalog.store().put(key, file);
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long nextOffset = t < source.partitions() ? source.part(t).nextOffset() : 0;
            long watermark = t < source.partitions() ? source.part(t).watermark() : earliestWatermark(source);
            PartSummary summary = new PartSummary(
                    source.topic(),
                    t,
                    key,
                    size,
                    Crc32c.of(file),
                    records.get(t),
                    nextOffset,
                    watermark,
                    WRITER,
                    0,
                    0,
                    now,
                    properties.get(t));
            catalog.store().put(SavepointLayout.summary(targetId, source.topic(), t), summary.toJson());
            entries.add(SavepointManifest.PartEntry.of(summary));
        }
        catalog.writeManifest(new SavepointManifest(
                SavepointManifest.FORMAT_VERSION,
                targetId,
                source.topic(),
                partitions,
                source.partitioner(),
                now,
                source.stateConfig(),
                source.deployment(),
                source.states(),
                entries,
                null));
    }

    private static long earliestWatermark(SavepointManifest source) {
        return source.parts().stream()
                .mapToLong(SavepointManifest.PartEntry::watermark)
                .filter(watermark -> watermark != EventTimeClock.NO_TIME)
                .min()
                .orElse(EventTimeClock.NO_TIME);
    }
}
