package io.loginstate.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointCatalog.Contents;
import io.loginstate.checkpoint.CheckpointCatalog.StoredPartition;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.objectstore.ObjectStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** One checkpoint's manifest in full, with what LATEST says of it. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "One checkpoint's manifest in full: offset, watermark, owner epoch, state and TTL settings, every"
                + " file with its object key, size and CRC-32C; and the owner claim LATEST holds.")
final class InspectCheckpoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--partition", required = true, paramLabel = "N", description = "The partition.")
    int partition;

    @Option(
            names = "--checkpoint",
            paramLabel = "ID",
            description = "The checkpoint, as <claim>-<sequence> (e.g. 3-12) or as the number LATEST records;"
                    + " default: the one LATEST names.")
    String checkpoint;

    @Option(names = "--json", description = "Print JSON: the manifest, its key, and the LATEST record.")
    boolean json;

    private final LoginStateCli.Context context;

    InspectCheckpoint(LoginStateCli.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Long requested = null;
        if (checkpoint != null) {
            try {
                requested = CheckpointCatalog.parseId(checkpoint);
            } catch (IllegalArgumentException e) {
                throw store.usage("--checkpoint: " + e.getMessage());
            }
        }
        try (ObjectStore objects = store.open()) {
            CheckpointCatalog catalog = new CheckpointCatalog(objects);
            StoredPartition stored = CheckpointsCommand.selectOne(catalog, store, partition, objects.name());
            Contents contents = catalog.contents(stored);
            Optional<OwnershipFence.Latest> latest = contents.latest();
            long id;
            if (requested != null) {
                id = requested;
            } else if (latest.isPresent() && latest.get().checkpoint() >= 0) {
                id = latest.get().checkpoint();
            } else {
                throw new IllegalStateException("'" + contents.latestKey() + "' names no published checkpoint yet;"
                        + " stored checkpoints: " + ids(contents.checkpointIds()));
            }
            CheckpointManifest manifest = contents.manifest(id)
                    .orElseThrow(() -> new IllegalStateException("'" + contents.manifestKey(id) + "' is missing;"
                            + " stored checkpoints of the partition: " + ids(contents.checkpointIds())));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode node = Json.object();
                node.put("key", contents.manifestKey(id));
                node.put("checkpoint", CheckpointCatalog.idText(id));
                node.put(
                        "published", latest.map(l -> l.published().contains(id)).orElse(false));
                latest.ifPresentOrElse(l -> node.set("latest", Json.latest(l)), () -> node.putNull("latest"));
                node.set("manifest", Json.MAPPER.valueToTree(manifest));
                out.println(Json.write(node));
            } else {
                print(out, stored, contents, latest, manifest, context.clock().instant());
            }
        }
        return 0;
    }

    private static void print(
            PrintWriter out,
            StoredPartition stored,
            Contents contents,
            Optional<OwnershipFence.Latest> latest,
            CheckpointManifest m,
            Instant now) {
        long id = m.checkpointId();
        out.println("Checkpoint " + CheckpointCatalog.idText(id) + " (" + id + ") of " + m.topic() + "-" + m.partition()
                + ", deployment " + ListCheckpoints.deploymentText(stored));
        Text.Table fields = new Text.Table();
        fields.add("manifest", contents.manifestKey(id));
        fields.add("published", published(latest, id));
        fields.add(
                "LATEST",
                latest.map(l -> "epoch " + l.epoch() + ", claim " + l.claim() + ", checkpoint "
                                + (l.checkpoint() < 0 ? "none" : CheckpointCatalog.idText(l.checkpoint()))
                                + ", previous " + (l.previous() == null ? "not recorded" : ids(l.previous())))
                        .orElse("missing"));
        fields.add(
                "format", m.formatVersion() + (m.checksum() == null ? ", no checksum" : ", checksum " + m.checksum()));
        fields.add("deployment", m.deploymentId() == null ? "not recorded" : m.deploymentId());
        fields.add("offset", m.offset() + " (the next offset to apply)");
        fields.add("watermark", Text.watermark(m.watermark()));
        fields.add("owner epoch", m.ownerEpoch());
        fields.add(
                "created",
                (m.createdAt() == null ? "-" : m.createdAt() + " (" + Text.age(m.createdAt(), now) + " ago)"));
        fields.add("size", Text.bytes(m.totalBytes()) + " in " + m.files().size() + " files");
        fields.print(out, "  ");
        out.println("  state and TTL settings:");
        Map<String, String> config = m.stateConfig() == null ? Map.of() : m.stateConfig();
        if (config.isEmpty()) {
            out.println("    none recorded");
        }
        config.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.println("    " + e.getKey() + " = " + e.getValue()));
        out.println("  files:");
        Text.Table files = new Text.Table("NAME", "SIZE", "BYTES", "CRC-32C", "KEY");
        for (CheckpointManifest.FileEntry file : m.files()) {
            files.add(file.name(), Text.bytes(file.size()), file.size(), file.crc32c(), file.key());
        }
        files.print(out, "    ");
    }

    private static String published(Optional<OwnershipFence.Latest> latest, long id) {
        if (latest.isEmpty()) {
            return "no (no LATEST)";
        }
        if (latest.get().checkpoint() == id) {
            return "yes, the latest";
        }
        return latest.get().published().contains(id)
                ? "yes, an earlier one (a restore's fallback)"
                : "no: LATEST does not list it (never restored; retention deletes it)";
    }

    private static String ids(List<Long> ids) {
        return ids.isEmpty()
                ? "none"
                : ids.stream().map(CheckpointCatalog::idText).collect(Collectors.joining(", "));
    }
}
