package io.loginstate.processing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a handler reports about the records of one batch that it did not apply: rejected ones go
 * to the dead-letter topic before the batch commits; dropped ones (valid but of no effect, such as
 * an event already past its TTL) are only counted, by reason.
 */
public final class BatchOutcome {

    private final List<Rejection> rejections = new ArrayList<>(0);
    private Map<String, Integer> dropped;
    private int droppedCount;

    public void reject(ConsumerRecord<byte[], byte[]> record, String reason, String message) {
        rejections.add(new Rejection(record, reason, message));
    }

    void reject(Rejection rejection) {
        rejections.add(rejection);
    }

    public void drop(String reason) {
        if (dropped == null) {
            dropped = new TreeMap<>();
        }
        dropped.merge(reason, 1, Integer::sum);
        droppedCount++;
    }

    public List<Rejection> rejections() {
        return rejections;
    }

    /** Dropped records by reason. */
    public Map<String, Integer> dropped() {
        return dropped == null ? Map.of() : dropped;
    }

    /** Records neither applied nor dead-lettered. */
    public int droppedCount() {
        return droppedCount;
    }

    /** Records of the batch that were not applied. */
    public int notApplied() {
        return rejections.size() + droppedCount;
    }
}
