package io.loginstate.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointNotFoundException;
import io.loginstate.savepoint.SavepointStatus;
import io.loginstate.state.api.EventTimeClock;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** One savepoint: its manifest in full, or while open its request and each partition's progress. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "One savepoint: for a complete one its manifest (per partition the offset, watermark, records,"
                + " size, CRC-32C and writer of its part; the state descriptors and TTL settings); for an open one"
                + " the request and each partition's progress.")
final class InspectSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The savepoint.")
    String id;

    @Option(names = "--json", description = "Print JSON: the status, with the manifest once complete.")
    boolean json;

    private final LoginStateCli.Context context;

    InspectSavepoint(LoginStateCli.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        SavepointsCommand.checkId(store, "--id", id);
        SavepointStatus status;
        try (ObjectStore objects = store.open()) {
            try {
                status = new SavepointCatalog(objects).status(id);
            } catch (SavepointNotFoundException e) {
                throw new IllegalStateException("No savepoint " + id + " in " + objects.name());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode node = Json.MAPPER.valueToTree(status);
            out.println(Json.write(node));
        } else {
            print(out, status, context.clock().instant());
        }
        return 0;
    }

    private static void print(PrintWriter out, SavepointStatus status, Instant now) {
        SavepointManifest m = status.manifest();
        out.println("Savepoint " + status.id() + " of " + status.topic() + ", " + status.state());
        Text.Table fields = new Text.Table();
        fields.add("pinned", status.pinned() ? "yes" : "no");
        fields.add(
                "requested",
                status.requestedAt() + " (" + Text.age(status.requestedAt(), now) + " ago) by " + status.requestedBy());
        fields.add("partitions", status.written() + " of " + status.partitions() + " written");
        if (m != null) {
            fields.add("completed", m.createdAt() + " (" + Text.age(m.createdAt(), now) + " ago)");
            fields.add("deployment", m.deployment());
            fields.add("partitioner", m.partitioner());
            fields.add("format", m.formatVersion() + ", checksum " + m.checksum());
            fields.add(
                    "size",
                    Text.bytes(m.parts().stream()
                                    .mapToLong(SavepointManifest.PartEntry::size)
                                    .sum())
                            + " in " + m.parts().size() + " parts");
        }
        fields.print(out, "  ");
        if (m == null) {
            progress(out, status);
            return;
        }
        out.println("  parts:");
        Text.Table parts = new Text.Table(
                "PARTITION", "OFFSET", "WATERMARK", "RECORDS", "SIZE", "BYTES", "CRC-32C", "WRITER", "EPOCH", "KEY");
        for (SavepointManifest.PartEntry part : m.parts()) {
            parts.add(
                    part.partition(),
                    part.nextOffset(),
                    Text.watermark(part.watermark() == EventTimeClock.NO_TIME ? null : part.watermark()),
                    part.records(),
                    Text.bytes(part.size()),
                    part.size(),
                    part.crc32c(),
                    part.writtenBy(),
                    part.ownerEpoch(),
                    part.key());
        }
        parts.print(out, "    ");
        out.println("  states:");
        states(out, m.states());
        out.println("  TTL settings:");
        Map<String, String> config = m.stateConfig() == null ? Map.of() : new TreeMap<>(m.stateConfig());
        if (config.isEmpty()) {
            out.println("    none recorded");
        }
        config.forEach((key, value) -> out.println("    " + key + " = " + value));
    }

    /** One line per state: {@code users: value, serializer login.user-login-state v2, ttl ...}. */
    private static void states(PrintWriter out, Map<String, String> states) {
        Map<String, Map<String, String>> byState = new TreeMap<>();
        (states == null ? Map.<String, String>of() : states).forEach((key, value) -> {
            String rest = key.startsWith("state.") ? key.substring("state.".length()) : key;
            int dot = rest.lastIndexOf('.');
            if (dot > 0) {
                byState.computeIfAbsent(rest.substring(0, dot), ignored -> new TreeMap<>())
                        .put(rest.substring(dot + 1), value);
            }
        });
        if (byState.isEmpty()) {
            out.println("    none recorded");
        }
        byState.forEach((name, p) -> out.println("    " + name + ": " + p.getOrDefault("kind", "?") + ", serializer "
                + p.getOrDefault("serializer", "?") + " v" + p.getOrDefault("serializer-version", "?")
                + (p.containsKey("map-key-serializer")
                        ? ", map keys " + p.get("map-key-serializer") + " v" + p.get("map-key-serializer-version")
                        : "")
                + ", ttl " + p.getOrDefault("ttl", "none")
                + (p.containsKey("ttl-enabled-at") ? " (enabled at " + p.get("ttl-enabled-at") + ")" : "")));
    }

    private static void progress(PrintWriter out, SavepointStatus status) {
        out.println("  progress:");
        Text.Table parts = new Text.Table("PARTITION", "STATUS", "OFFSET", "RECORDS", "WRITER", "REASON");
        for (SavepointStatus.PartitionProgress p : status.parts()) {
            parts.add(p.partition(), p.status(), p.nextOffset(), p.records(), p.writtenBy(), p.reason());
        }
        parts.print(out, "    ");
    }
}
