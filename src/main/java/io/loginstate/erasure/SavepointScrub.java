package io.loginstate.erasure;

import io.loginstate.processing.KeyPartitioner;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointEraser;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointRefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Removes one user from every savepoint in the store: in each, the part of the partition the
 * savepoint's own partitioner and partition count map the user to is rewritten without the user
 * ({@link SavepointEraser}), or the savepoint is deleted in delete mode. A savepoint of the same
 * topic and partition count whose part already reflects the erase command (next offset past it)
 * is left as it is: its state was taken after the erasure.
 */
public final class SavepointScrub {

    /** What one pass did; {@code pending} savepoints (incomplete or unreadable) need another pass. */
    public record Tally(
            int rewritten, int deleted, int untouched, int pending, long recordsRemoved, List<String> problems) {

        public boolean done() {
            return pending == 0;
        }

        public String summary() {
            return rewritten + " rewritten, " + deleted + " deleted, " + untouched + " without the user"
                    + (pending > 0 ? ", " + pending + " pending" : "") + ", " + recordsRemoved + " records removed";
        }
    }

    private final SavepointCatalog catalog;
    private final SavepointEraser eraser;
    private final boolean delete;

    public SavepointScrub(SavepointCatalog catalog, SavepointEraser eraser, boolean delete) {
        this.catalog = catalog;
        this.eraser = eraser;
        this.delete = delete;
    }

    /** What became of one savepoint: the partition the user maps to in it (-1 if unknown), the result or the problem. */
    public record Outcome(String savepointId, int partition, SavepointEraser.EraseResult result, String problem) {}

    /**
     * One pass over {@code savepointIds}; {@code topic}, {@code partitions} and {@code commandOffset}
     * say where the erase command sits ({@code topic} null: nowhere, erase from every savepoint).
     */
    public Tally scrub(List<String> savepointIds, byte[] userKey, String topic, int partitions, long commandOffset) {
        return scrub(savepointIds, userKey, topic, partitions, commandOffset, outcome -> {});
    }

    /** {@link #scrub(List, byte[], String, int, long)}, telling {@code each} what became of every savepoint. */
    public Tally scrub(
            List<String> savepointIds,
            byte[] userKey,
            String topic,
            int partitions,
            long commandOffset,
            Consumer<Outcome> each) {
        int rewritten = 0;
        int deleted = 0;
        int untouched = 0;
        int pending = 0;
        long removed = 0;
        List<String> problems = new ArrayList<>();
        for (String id : savepointIds) {
            Outcome outcome = scrubOne(id, userKey, topic, partitions, commandOffset);
            each.accept(outcome);
            if (outcome.result() == null) {
                if (outcome.problem() != null) {
                    pending++;
                    problems.add(id + ": " + outcome.problem());
                }
                continue;
            }
            removed += outcome.result().recordsRemoved();
            switch (outcome.result().outcome()) {
                case REWRITTEN -> rewritten++;
                case DELETED -> deleted++;
                case NOT_PRESENT, SKIPPED_NEWER, NOT_FOUND -> untouched++;
                case PENDING -> {
                    pending++;
                    problems.add(id + ": " + outcome.result().reason());
                }
            }
        }
        return new Tally(rewritten, deleted, untouched, pending, removed, problems);
    }

    private Outcome scrubOne(String id, byte[] userKey, String topic, int partitions, long commandOffset) {
        try {
            Optional<SavepointManifest> manifest = catalog.manifest(id);
            if (manifest.isEmpty()) {
                // Without a request it is being deleted: nothing to erase.
                return new Outcome(
                        id,
                        -1,
                        null,
                        catalog.request(id).isPresent() ? "not complete yet; run again once it is" : null);
            }
            int partition = KeyPartitioner.named(manifest.get().partitioner())
                    .partition(userKey, manifest.get().partitions());
            long before = topic != null
                            && topic.equals(manifest.get().topic())
                            && manifest.get().partitions() == partitions
                    ? commandOffset
                    : Long.MAX_VALUE;
            SavepointEraser.EraseResult result = delete
                    ? eraser.delete(id, partition, userKey, before)
                    : eraser.erase(id, partition, userKey, before);
            return new Outcome(id, partition, result, null);
        } catch (SavepointRefusedException | IllegalArgumentException e) {
            return new Outcome(id, -1, null, e.getMessage());
        }
    }

    /** Every savepoint in the store. */
    public List<String> all() {
        return new ArrayList<>(catalog.listAll().keySet());
    }
}
