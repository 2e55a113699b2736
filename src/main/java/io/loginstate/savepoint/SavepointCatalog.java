package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The savepoints' records in the object store (see {@link SavepointLayout}): reads and writes
 * requests, part summaries, failures and manifests. Knows nothing of partitions' owners.
 */
public final class SavepointCatalog {

    private final ObjectStore store;

    public SavepointCatalog(ObjectStore store) {
        this.store = store;
    }

    ObjectStore store() {
        return store;
    }

    /** Every object of every savepoint, by id. */
    public Map<String, List<ObjectInfo>> listAll() {
        Map<String, List<ObjectInfo>> byId = new TreeMap<>();
        for (ObjectInfo object : store.list(SavepointLayout.ROOT)) {
            String id = SavepointLayout.idOf(object.key());
            if (id != null) {
                byId.computeIfAbsent(id, ignored -> new ArrayList<>()).add(object);
            }
        }
        return byId;
    }

    /** One savepoint's progress per partition, and its manifest once complete. */
    public SavepointStatus status(String id) {
        SavepointLayout.checkId(id);
        SavepointRequest request = request(id).orElseThrow(() -> new SavepointNotFoundException(id));
        Optional<SavepointManifest> manifest = manifest(id);
        List<SavepointStatus.PartitionProgress> parts = new ArrayList<>();
        int written = 0;
        for (int p = 0; p < request.partitions(); p++) {
            Optional<PartSummary> summary = summary(id, request.topic(), p);
            if (summary.isPresent()) {
                written++;
                PartSummary s = summary.get();
                parts.add(new SavepointStatus.PartitionProgress(
                        p, "written", s.nextOffset(), s.records(), s.writtenBy(), null));
            } else {
                Optional<PartFailure> failure = failure(id, request.topic(), p);
                parts.add(new SavepointStatus.PartitionProgress(
                        p,
                        failure.isPresent() ? "failed" : "pending",
                        null,
                        null,
                        failure.map(PartFailure::instance).orElse(null),
                        failure.map(PartFailure::reason).orElse(null)));
            }
        }
        return new SavepointStatus(
                id,
                manifest.isPresent() ? SavepointStatus.COMPLETE : SavepointStatus.OPEN,
                request.topic(),
                request.partitions(),
                request.requestedAt(),
                request.requestedBy(),
                request.pinned(),
                written,
                parts,
                manifest.orElse(null));
    }

    /** Creates the request; false if a savepoint of that id exists. */
    boolean create(SavepointRequest request) {
        return store.putIfAbsent(SavepointLayout.request(request.id()), request.toJson());
    }

    public Optional<SavepointRequest> request(String id) {
        return store.get(SavepointLayout.request(id)).map(SavepointRequest::fromJson);
    }

    /** Sets the pinned flag by compare-and-swap; false if there is no such savepoint. */
    boolean pin(String id, boolean pinned) {
        String key = SavepointLayout.request(id);
        while (true) {
            Optional<Versioned> current = store.getVersioned(key);
            if (current.isEmpty()) {
                return false;
            }
            SavepointRequest request = SavepointRequest.fromJson(current.get().bytes());
            if (request.pinned() == pinned
                    || store.replaceIfMatch(
                            key,
                            request.withPinned(pinned).toJson(),
                            current.get().version())) {
                return true;
            }
        }
    }

    /** The manifest, empty while the savepoint is incomplete. */
    public Optional<SavepointManifest> manifest(String id) {
        String key = SavepointLayout.manifest(id);
        return store.get(key).map(bytes -> SavepointManifest.fromJson(bytes, key));
    }

    boolean writeManifest(SavepointManifest manifest) {
        return store.putIfAbsent(SavepointLayout.manifest(manifest.id()), manifest.toJson());
    }

    Optional<Versioned> summaryVersioned(String id, String topic, int partition) {
        return store.getVersioned(SavepointLayout.summary(id, topic, partition));
    }

    Optional<PartSummary> summary(String id, String topic, int partition) {
        return store.get(SavepointLayout.summary(id, topic, partition)).map(PartSummary::fromJson);
    }

    Optional<PartFailure> failure(String id, String topic, int partition) {
        return store.get(SavepointLayout.failure(id, topic, partition)).map(PartFailure::fromJson);
    }

    void recordFailure(String id, String topic, PartFailure failure) {
        store.put(SavepointLayout.failure(id, topic, failure.partition()), failure.toJson());
    }

    void clearFailure(String id, String topic, int partition) {
        store.delete(SavepointLayout.failure(id, topic, partition));
    }

    /** Deletes every object of the savepoint, the request last, so a half-deleted one still lists. */
    int delete(String id) {
        List<ObjectInfo> objects = store.list(SavepointLayout.prefix(id));
        String request = SavepointLayout.request(id);
        for (ObjectInfo object : objects) {
            if (!object.key().equals(request)) {
                store.delete(object.key());
            }
        }
        store.delete(request);
        return objects.size();
    }
}
