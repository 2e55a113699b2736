package io.loginstate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointRequest;
import io.loginstate.savepoint.SavepointStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every savepoint in the store; exit 1 if a request or manifest is unreadable. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Every savepoint in the store: id, state (open or complete), pinned, topic, partitions (written"
                + " of all), when it was requested or completed and how long ago, total size of its objects, and the"
                + " deployment that took it.")
final class ListSavepoints implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    private final LoginStateCli.Context context;

    ListSavepoints(LoginStateCli.Context context) {
        this.context = context;
    }

    /** One savepoint's line; {@code problem} says why the rest is missing. */
    private record Row(
            String id,
            Optional<SavepointRequest> request,
            Optional<SavepointManifest> manifest,
            int written,
            long bytes,
            String problem) {

        String state() {
            return manifest.isPresent() ? SavepointStatus.COMPLETE : SavepointStatus.OPEN;
        }

        Instant created() {
            return manifest.map(SavepointManifest::createdAt)
                    .orElse(request.map(SavepointRequest::requestedAt).orElse(null));
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        String storeName;
        try (ObjectStore objects = store.open()) {
            storeName = objects.name();
            SavepointCatalog catalog = new SavepointCatalog(objects);
            for (Map.Entry<String, List<ObjectInfo>> entry : catalog.listAll().entrySet()) {
                rows.add(row(catalog, entry.getKey(), entry.getValue()));
            }
        }
        Instant now = context.clock().instant();
        if (json) {
            out.println(Json.write(json(rows, now)));
        } else if (rows.isEmpty()) {
            out.println("No savepoints in " + storeName);
        } else {
            out.println("Savepoints in " + storeName);
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

    private static Row row(SavepointCatalog catalog, String id, List<ObjectInfo> objects) {
        long bytes = objects.stream().mapToLong(ObjectInfo::size).sum();
        Optional<SavepointRequest> request;
        try {
            request = catalog.request(id);
        } catch (IllegalArgumentException e) {
            return new Row(id, Optional.empty(), Optional.empty(), 0, bytes, Failures.oneLine(e));
        }
        if (request.isEmpty()) {
            return new Row(id, request, Optional.empty(), 0, bytes, "Savepoint " + id + " has objects but no request");
        }
        try {
            Optional<SavepointManifest> manifest = catalog.manifest(id);
            int written = manifest.isPresent()
                    ? manifest.get().partitions()
                    : catalog.status(id).written();
            return new Row(id, request, manifest, written, bytes, null);
        } catch (IllegalArgumentException e) {
            return new Row(id, request, Optional.empty(), 0, bytes, Failures.oneLine(e));
        }
    }

    private static Text.Table table(List<Row> rows, Instant now) {
        Text.Table table = new Text.Table(
                "ID", "STATE", "PINNED", "TOPIC", "PARTITIONS", "CREATED", "AGE", "SIZE", "DEPLOYMENT", "NOTE");
        for (Row row : rows) {
            Optional<SavepointRequest> r = row.request();
            table.add(
                    row.id(),
                    row.problem() == null ? row.state() : null,
                    r.map(x -> x.pinned() ? "yes" : "no").orElse(null),
                    r.map(SavepointRequest::topic).orElse(null),
                    r.map(x -> row.written() + "/" + x.partitions()).orElse(null),
                    row.created(),
                    Text.age(row.created(), now),
                    Text.bytes(row.bytes()),
                    r.map(SavepointRequest::deployment).orElse(null),
                    row.problem() != null ? "DAMAGED (see below)" : "");
        }
        return table;
    }

    private static ArrayNode json(List<Row> rows, Instant now) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Row row : rows) {
            ObjectNode node = array.addObject();
            node.put("id", row.id());
            node.put("state", row.problem() == null ? row.state() : null);
            row.request().ifPresent(r -> {
                node.put("pinned", r.pinned());
                node.put("topic", r.topic());
                node.put("partitions", r.partitions());
                node.put("deployment", r.deployment());
            });
            node.put("written", row.written());
            Instant created = row.created();
            node.put("createdAt", created == null ? null : created.toString());
            node.put("ageSeconds", created == null ? null : now.getEpochSecond() - created.getEpochSecond());
            node.put("bytes", row.bytes());
            node.put("problem", row.problem());
        }
        return array;
    }
}
