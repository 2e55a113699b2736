package io.loginstate.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which instance owns each partition of the input topic, as the consumer group's last assignment
 * says (every member receives the whole map with its own assignment, see {@link FleetAssignor}).
 * Updated on every rebalance, read by queries without any call to Kafka.
 */
@ApplicationScoped
public class FleetDirectory {

    /** The owners after one rebalance. */
    public record Owners(int generation, Instant at, Map<Integer, FleetMember> byPartition) {

        static final Owners NONE = new Owners(-1, Instant.EPOCH, Map.of());
    }

    private volatile Owners owners = Owners.NONE;

    void update(int generation, Map<Integer, FleetMember> byPartition) {
        owners = new Owners(generation, Instant.now(), Map.copyOf(new TreeMap<>(byPartition)));
    }

    /** The owner of a partition, if the last assignment gave it one. */
    public Optional<FleetMember> owner(int partition) {
        return Optional.ofNullable(owners.byPartition().get(partition));
    }

    public Owners owners() {
        return owners;
    }
}
