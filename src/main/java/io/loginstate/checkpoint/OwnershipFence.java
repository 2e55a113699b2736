package io.loginstate.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.objectstore.Versioned;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code LATEST} object of one partition: which checkpoint to restore, the ones published
 * before it, the highest owner epoch so far and the claim counter. Every change is a
 * compare-and-swap ({@code putIfAbsent} or {@code replaceIfMatch}).
 *
 * <p>The owner epoch is the consumer group generation at which the partition was assigned: a
 * lower one can never claim again. The claim counter grows by one on every claim, so it also tells
 * apart two processes of the same generation (with static membership a replacement keeps its
 * predecessor's generation): a publication must carry the claim that is still stored, so once a
 * replacement has claimed the partition, nothing its predecessor uploads is ever named in
 * {@code LATEST} and thus never restored.
 */
public final class OwnershipFence {

    static final int MAX_ATTEMPTS = 16;
    /** Published checkpoints remembered behind the latest, the fallbacks of a restore. */
    static final int HISTORY = 8;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private final ObjectStore store;
    private final String key;
    private final String partition;

    public OwnershipFence(ObjectStore store, String partitionPrefix) {
        this.store = store;
        this.key = partitionPrefix + "/LATEST";
        this.partition = partitionPrefix;
    }

    /**
     * The stored pointer.
     *
     * @param epoch      the highest owner epoch that claimed the partition
     * @param claim      the number of the last claim (0 in records written before claims were counted)
     * @param checkpoint the checkpoint to restore, {@code -1} before any
     * @param previous   checkpoints published before it, newest first; null in records written before
     *                   they were kept
     */
    public record Latest(long epoch, long claim, long checkpoint, List<Long> previous) {

        public Latest {
            previous = previous == null ? null : List.copyOf(previous);
        }

        byte[] encode() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Parses a stored record, strictly: a record that parses but lacks the epoch or the
         * checkpoint would otherwise read as "nothing published yet" and open empty state.
         *
         * @throws IllegalArgumentException saying what is wrong with it
         */
        static Latest decode(byte[] bytes) {
            JsonNode node;
            try {
                node = JSON.readTree(bytes);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            long epoch = number(node, "epoch", 0, true);
            long claim = number(node, "claim", 0, false);
            long checkpoint = number(node, "checkpoint", -1, true);
            JsonNode previous = node.get("previous");
            if (previous == null || previous.isNull()) {
                return new Latest(epoch, claim, checkpoint, null);
            }
            if (!previous.isArray()) {
                throw new IllegalArgumentException("'previous' is not a list of checkpoint ids");
            }
            List<Long> ids = new ArrayList<>(previous.size());
            for (JsonNode id : previous) {
                if (!id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0) {
                    throw new IllegalArgumentException("'previous' holds " + id + ", not a checkpoint id");
                }
                ids.add(id.asLong());
            }
            return new Latest(epoch, claim, checkpoint, ids);
        }

        private static long number(JsonNode node, String field, long min, boolean required) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    throw new IllegalArgumentException("no '" + field + "'");
                }
                return 0;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min) {
                throw new IllegalArgumentException("'" + field + "' is " + value + ", not a number of at least " + min);
            }
            return value.asLong();
        }

        /** The published checkpoints, newest first: the latest, then the previous ones. */
        public List<Long> published() {
            List<Long> ids = new ArrayList<>();
            if (checkpoint >= 0) {
                ids.add(checkpoint);
            }
            if (previous != null) {
                ids.addAll(previous);
            }
            return ids;
        }
    }

    /**
     * One owner's claim on the partition: what it must carry to publish, and what it restores.
     *
     * @param epoch  the owner epoch (group generation)
     * @param number the claim counter after this claim; the upper half of this owner's checkpoint ids
     * @param latest the pointer as this claim left it
     */
    public record Claim(long epoch, long number, Latest latest) {

        /** The checkpoint to restore, or {@code -1}. */
        public long checkpointId() {
            return latest.checkpoint();
        }

        /** The checkpoint ids to try on restore, newest first; null if the record predates the list. */
        public List<Long> restoreCandidates() {
            return latest.previous() == null ? null : latest.published();
        }
    }

    /**
     * The current pointer, if any.
     *
     * @throws UnreadableLatestException if the object is there but is no pointer record
     */
    public Optional<Latest> read() {
        return store.get(key).map(this::decode);
    }

    /**
     * A missing {@code LATEST} is "nothing published" only if no checkpoint was ever made: every
     * manifest is written after the claim that creates the record, so manifests without it mean
     * the record was deleted or lost.
     */
    private void checkNoCheckpointsWithoutLatest() {
        int manifests = (int) store.list(partition + "/checkpoints/").stream()
                .filter(object -> object.key().endsWith("/" + CheckpointLayout.MANIFEST))
                .count();
        if (manifests > 0) {
            throw UnreadableLatestException.missing(store.name(), key, manifests);
        }
    }

    /** The key of the partition's pointer. */
    public String key() {
        return key;
    }

    private Latest decode(byte[] bytes) {
        try {
            return Latest.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new UnreadableLatestException(store.name(), key, e.getMessage(), e);
        }
    }

    /**
     * Makes {@code epoch} the partition's owner before it processes anything, with a new claim
     * number: from now on no lower epoch, and no earlier claim of this epoch, can publish.
     *
     * @throws FencedException if a higher epoch has claimed the partition already
     * @throws UnreadableLatestException if {@code LATEST} is damaged: it is never overwritten then,
     *     since the epoch and claim it held, which fence older owners off, are unknown
     */
    public Claim claim(long epoch) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.getVersioned(key);
            if (current.isEmpty()) {
                checkNoCheckpointsWithoutLatest();
                Latest next = new Latest(epoch, 1, -1, List.of());
                if (store.putIfAbsent(key, next.encode())) {
                    return new Claim(epoch, 1, next);
                }
                continue;
            }
            Latest stored = decode(current.get().bytes());
            if (stored.epoch() > epoch) {
                throw new FencedException(partition, epoch, stored.epoch());
            }
            // Checkpoint ids carry the claim number, so the next one must lie above every id so far,
            // including ids of records written before claims were counted.
            long number = Math.max(stored.claim(), CheckpointIds.claim(stored.checkpoint())) + 1;
            Latest next = new Latest(epoch, number, stored.checkpoint(), stored.previous());
            if (store.replaceIfMatch(key, next.encode(), current.get().version())) {
                return new Claim(epoch, number, next);
            }
        }
        throw contended();
    }

    /**
     * Points {@code LATEST} at a checkpoint whose manifest is durable; the one it replaces joins
     * the previous ones, of which the newest {@code history} are kept.
     *
     * @return the record as published: the checkpoints a restore may use, and retention keeps
     * @throws FencedException if another claim was made since {@code claim}
     */
    public Latest publish(Claim claim, long checkpointId, int history) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.getVersioned(key);
            Latest stored = current.map(v -> decode(v.bytes())).orElse(null);
            checkOwner(claim, stored);
            if (stored.checkpoint() == checkpointId && stored.previous() != null) {
                return stored;
            }
            List<Long> previous = new ArrayList<>(history);
            if (stored.checkpoint() >= 0 && stored.checkpoint() != checkpointId) {
                previous.add(stored.checkpoint());
            }
            if (stored.previous() != null) {
                for (long id : stored.previous()) {
                    if (previous.size() < history && id != checkpointId) {
                        previous.add(id);
                    }
                }
            }
            Latest next = new Latest(stored.epoch(), stored.claim(), checkpointId, previous);
            if (store.replaceIfMatch(key, next.encode(), current.get().version())) {
                return next;
            }
        }
        throw contended();
    }

    /** {@link #publish(Claim, long, int)} keeping the default history. */
    public Latest publish(Claim claim, long checkpointId) {
        return publish(claim, checkpointId, HISTORY);
    }

    /** @throws FencedException if another claim was made since {@code claim} */
    public void checkStillOwner(Claim claim) {
        checkOwner(claim, read().orElse(null));
    }

    private void checkOwner(Claim claim, Latest stored) {
        if (stored == null) {
            throw new FencedException(partition + ": LATEST is gone");
        }
        if (stored.epoch() != claim.epoch()) {
            throw new FencedException(partition, claim.epoch(), stored.epoch());
        }
        if (stored.claim() != claim.number()) {
            throw new FencedException(
                    "Partition " + partition + ": claim " + claim.number() + " of epoch " + claim.epoch()
                            + " is fenced off by claim " + stored.claim() + " (another process of the same"
                            + " instance id took the partition over)");
        }
    }

    private ObjectStoreException contended() {
        return new ObjectStoreException(
                store.name(),
                "update",
                key,
                new IllegalStateException("lost the compare-and-swap " + MAX_ATTEMPTS + " times in a row"));
    }
}
