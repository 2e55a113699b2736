package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.objectstore.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code LATEST} object of one partition: which checkpoint to restore, and the highest owner
 * epoch so far. Every change is a compare-and-swap ({@code putIfAbsent} or {@code replaceIfMatch})
 * that first checks the stored epoch, so an owner that lost the partition (after a rebalance or a
 * long pause) can never point {@code LATEST} at its checkpoint once a newer owner has claimed it.
 * The owner epoch is the consumer group generation at which the partition was assigned.
 */
public final class OwnershipFence {

    static final int MAX_ATTEMPTS = 16;

    private final ObjectStore store;
    private final String key;
    private final String partition;

    public OwnershipFence(ObjectStore store, String partitionPrefix) {
        this.store = store;
        this.key = partitionPrefix + "/LATEST";
        this.partition = partitionPrefix;
    }

    /** The stored pointer: owner epoch and checkpoint id ({@code -1} before any checkpoint). */
    public record Latest(long epoch, long checkpointId) {

        byte[] encode() {
            return ("{\"epoch\":" + epoch + ",\"checkpoint\":" + checkpointId + "}").getBytes(StandardCharsets.UTF_8);
        }

        static Latest decode(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8).replaceAll("\\s", "");
            if (!text.matches("\\{\"epoch\":-?\\d+,\"checkpoint\":-?\\d+}")) {
                throw new IllegalArgumentException("Not a LATEST record: " + text);
            }
            String[] parts = text.substring(1, text.length() - 1).split(",");
            return new Latest(Long.parseLong(parts[0].split(":")[1]), Long.parseLong(parts[1].split(":")[1]));
        }
    }

    /** The current pointer, if any. */
    public Optional<Latest> read() {
        return store.get(key).map(Latest::decode);
    }

    /**
     * Makes {@code epoch} the partition's owner before it processes anything: from now on no lower
     * epoch can publish. Returns the checkpoint to restore, if there is one.
     *
     * @throws FencedException if a higher epoch has claimed the partition already
     */
    public OptionalLong claim(long epoch) {
        Latest result = swap(epoch, OptionalLong.empty());
        return result.checkpointId() < 0 ? OptionalLong.empty() : OptionalLong.of(result.checkpointId());
    }

    /**
     * Points {@code LATEST} at a checkpoint whose manifest is durable.
     *
     * @throws FencedException if a higher epoch owns the partition
     */
    public void publish(long epoch, long checkpointId) {
        swap(epoch, OptionalLong.of(checkpointId));
    }

    private Latest swap(long epoch, OptionalLong checkpointId) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.getVersioned(key);
            if (current.isEmpty()) {
                Latest next = new Latest(epoch, checkpointId.orElse(-1));
                if (store.putIfAbsent(key, next.encode()) || next.equals(read().orElse(null))) {
                    return next;
                }
                continue;
            }
            Latest stored = Latest.decode(current.get().bytes());
            if (stored.epoch() > epoch) {
                throw new FencedException(partition, epoch, stored.epoch());
            }
            Latest next = new Latest(epoch, checkpointId.orElse(stored.checkpointId()));
            if (next.equals(stored)) {
                return stored;
            }
            if (store.replaceIfMatch(key, next.encode(), current.get().version()) || next.equals(read().orElse(null))) {
                return next;
            }
        }
        throw new ObjectStoreException(
                store.name(),
                "update",
                key,
                new IllegalStateException("lost the compare-and-swap " + MAX_ATTEMPTS + " times in a row"));
    }
}
