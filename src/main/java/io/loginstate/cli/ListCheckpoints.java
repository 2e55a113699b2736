package io.loginstate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointCatalog.Contents;
import io.loginstate.checkpoint.CheckpointCatalog.StoredPartition;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.checkpoint.UnreadableLatestException;
import io.loginstate.checkpoint.UnreadableManifestException;
import io.loginstate.objectstore.ObjectStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every partition with checkpoints and its latest one; exit 1 if a LATEST or latest manifest is unreadable. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Every deployment and partition with checkpoints: the latest checkpoint (id, offset, watermark,"
                + " size, age), the owner claim LATEST holds (epoch, claim) and how many published checkpoints are"
                + " retained.")
final class ListCheckpoints implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    private final LoginStateCli.Context context;

    ListCheckpoints(LoginStateCli.Context context) {
        this.context = context;
    }

    /** One partition's line; {@code problem} says why the rest is missing. */
    private record Row(
            StoredPartition partition,
            Optional<OwnershipFence.Latest> latest,
            Optional<CheckpointManifest> manifest,
            int retained,
            String problem) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        String storeName;
        try (ObjectStore objects = store.open()) {
            storeName = objects.name();
            CheckpointCatalog catalog = new CheckpointCatalog(objects);
            for (StoredPartition partition : catalog.partitions(store.topic, store.deployment())) {
                rows.add(row(catalog.contents(partition)));
            }
        }
        Instant now = context.clock().instant();
        if (json) {
            out.println(Json.write(json(rows, now)));
        } else if (rows.isEmpty()) {
            out.println("No checkpoints of topic '" + store.topic + "'"
                    + store.deployment().map(d -> " of deployment '" + d + "'").orElse("") + " in " + storeName);
        } else {
            out.println("Checkpoints of topic '" + store.topic + "' in " + storeName);
            table(rows, now).print(out, "");
        }
        boolean damaged = false;
        for (Row row : rows) {
            if (row.problem() != null) {
                err.println(spec.root().name() + ": " + row.problem());
                damaged = true;
            }
        }
        return damaged ? 1 : 0;
    }

    private static Row row(Contents contents) {
        Optional<OwnershipFence.Latest> latest;
        try {
            latest = contents.latest();
        } catch (UnreadableLatestException e) {
            return new Row(contents.partition(), Optional.empty(), Optional.empty(), 0, Failures.oneLine(e));
        }
        List<Long> stored = contents.checkpointIds();
        int retained = (int) latest.map(OwnershipFence.Latest::published).orElse(List.of()).stream()
                .filter(stored::contains)
                .count();
        if (latest.isEmpty() || latest.get().checkpoint() < 0) {
            return new Row(contents.partition(), latest, Optional.empty(), retained, null);
        }
        long id = latest.get().checkpoint();
        try {
            Optional<CheckpointManifest> manifest = contents.manifest(id);
            String problem = manifest.isPresent()
                    ? null
                    : "'" + contents.manifestKey(id) + "' is missing, yet LATEST ('" + contents.latestKey()
                            + "') names checkpoint " + CheckpointCatalog.idText(id);
            return new Row(contents.partition(), latest, manifest, retained, problem);
        } catch (UnreadableManifestException e) {
            return new Row(contents.partition(), latest, Optional.empty(), retained, Failures.oneLine(e));
        }
    }

    private static Text.Table table(List<Row> rows, Instant now) {
        Text.Table table = new Text.Table(
                "DEPLOYMENT",
                "PARTITION",
                "CHECKPOINT",
                "OFFSET",
                "WATERMARK",
                "SIZE",
                "AGE",
                "EPOCH",
                "CLAIM",
                "RETAINED",
                "NOTE");
        for (Row row : rows) {
            Optional<CheckpointManifest> m = row.manifest();
            table.add(
                    deploymentText(row.partition()),
                    row.partition().partition(),
                    row.latest()
                            .filter(l -> l.checkpoint() >= 0)
                            .map(l -> CheckpointCatalog.idText(l.checkpoint()))
                            .orElse(null),
                    m.map(CheckpointManifest::offset).orElse(null),
                    m.map(x -> Text.watermark(x.watermark())).orElse(null),
                    m.map(x -> Text.bytes(x.totalBytes())).orElse(null),
                    m.map(x -> Text.age(x.createdAt(), now)).orElse(null),
                    row.latest().map(OwnershipFence.Latest::epoch).orElse(null),
                    row.latest().map(OwnershipFence.Latest::claim).orElse(null),
                    row.retained(),
                    note(row));
        }
        return table;
    }

    private static String note(Row row) {
        if (row.problem() != null) {
            return "DAMAGED (see below)";
        }
        if (row.latest().isEmpty()) {
            return "no LATEST: never claimed";
        }
        if (row.latest().get().checkpoint() < 0) {
            return "claimed, nothing published yet";
        }
        return "";
    }

    static String deploymentText(StoredPartition partition) {
        return partition.deploymentId() == null ? "(before deployment ids)" : partition.deploymentId();
    }

    private static ArrayNode json(List<Row> rows, Instant now) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Row row : rows) {
            ObjectNode node = array.addObject();
            node.put("deployment", row.partition().deploymentId());
            node.put("topic", row.partition().topic());
            node.put("partition", row.partition().partition());
            node.put("prefix", row.partition().prefix());
            row.latest().ifPresent(latest -> node.set("latest", Json.latest(latest)));
            row.manifest().ifPresent(m -> {
                node.put("checkpoint", CheckpointCatalog.idText(m.checkpointId()));
                node.put("checkpointId", m.checkpointId());
                node.put("offset", m.offset());
                if (m.watermark() == null) {
                    node.putNull("watermark");
                } else {
                    node.put("watermark", Text.watermark(m.watermark()));
                }
                node.put("bytes", m.totalBytes());
                node.put(
                        "createdAt",
                        m.createdAt() == null ? null : m.createdAt().toString());
                node.put(
                        "ageSeconds",
                        m.createdAt() == null
                                ? null
                                : now.getEpochSecond() - m.createdAt().getEpochSecond());
            });
            node.put("retained", row.retained());
            node.put("problem", row.problem());
        }
        return array;
    }
}
