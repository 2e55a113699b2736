package io.loginstate.query;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.FleetDirectory;
import io.loginstate.ingest.FleetMember;
import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;

/**
 * The partitions of the input topic across the fleet: this instance reports its own; for the
 * others it asks each owner (the fleet directory says which) for its local view, all in parallel
 * and within the forward timeout, and adds Kafka's end offsets. An owner that does not answer
 * shows as {@code UNREACHABLE}, a partition without an owner as {@code UNOWNED}.
 */
@ApplicationScoped
public class FleetPartitions {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Inject
    LoginStateConfig config;

    @Inject
    ProcessorRegistry registry;

    @Inject
    KafkaClusterView cluster;

    @Inject
    FleetDirectory directory;

    @Inject
    FleetMember self;

    @Inject
    QueryForwarder forwarder;

    /** The partitions held or being restored here, by partition number. */
    public List<PartitionStatus> local() {
        String topic = config.topic();
        Map<Integer, PartitionStatus> rows = new TreeMap<>();
        for (TopicPartition restoring : registry.restoringPartitions()) {
            rows.put(restoring.partition(), ownRow(restoring.partition(), PartitionStatus.RESTORING));
        }
        for (PartitionProcessor processor : registry.processors()) {
            if (!processor.partition().topic().equals(topic)) {
                continue;
            }
            rows.put(processor.partition().partition(), row(processor));
        }
        return withEnds(new ArrayList<>(rows.values()));
    }

    /**
     * Every partition of the topic, whoever owns it; the other instances are asked with the caller's
     * {@code authorization} (null: none).
     */
    public CompletionStage<List<PartitionStatus>> fleet(String authorization) {
        String topic = config.topic();
        FleetDirectory.Owners owners = directory.owners();
        Map<Integer, PartitionStatus> rows = new TreeMap<>();
        local().forEach(row -> rows.put(row.partition(), row));
        Map<String, FleetMember> others = new LinkedHashMap<>();
        owners.byPartition().values().stream()
                .filter(member -> !member.equals(self))
                .forEach(member -> others.putIfAbsent(key(member), member));
        Map<String, CompletableFuture<List<PartitionStatus>>> answers = new HashMap<>();
        others.forEach((id, member) -> answers.put(id, ask(member, authorization)));
        return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new))
                .handle((ignored, failure) -> {
                    Map<Integer, PartitionStatus> reported = new HashMap<>();
                    Map<String, Boolean> answered = new HashMap<>();
                    answers.forEach((id, answer) -> {
                        List<PartitionStatus> list = answer.getNow(null);
                        answered.put(id, list != null);
                        if (list != null) {
                            list.forEach(row -> reported.put(row.partition(), row));
                        }
                    });
                    OptionalInt count = cluster.partitionCount(topic);
                    int partitions = count.orElse(Math.max(
                            owners.byPartition().keySet().stream()
                                            .mapToInt(Integer::intValue)
                                            .max()
                                            .orElse(-1)
                                    + 1,
                            rows.keySet().stream()
                                            .mapToInt(Integer::intValue)
                                            .max()
                                            .orElse(-1)
                                    + 1));
                    List<PartitionStatus> all = new ArrayList<>(partitions);
                    for (int partition = 0; partition < partitions; partition++) {
                        PartitionStatus own = rows.get(partition);
                        if (own != null) {
                            all.add(own);
                            continue;
                        }
                        FleetMember owner = owners.byPartition().get(partition);
                        if (owner == null) {
                            all.add(PartitionStatus.without(topic, partition, null, null, PartitionStatus.UNOWNED));
                        } else if (owner.equals(self)) {
                            // Assigned here by the last rebalance, not yet being opened.
                            all.add(ownRow(partition, PartitionStatus.RESTORING));
                        } else if (!answered.getOrDefault(key(owner), false)) {
                            all.add(PartitionStatus.without(
                                    topic, partition, owner.id(), owner.url().toString(), PartitionStatus.UNREACHABLE));
                        } else {
                            PartitionStatus theirs = reported.get(partition);
                            all.add(
                                    theirs != null
                                                    && owner.id().equals(theirs.owner())
                                                    && owner.url().toString().equals(theirs.ownerUrl())
                                            ? theirs
                                            : PartitionStatus.without(
                                                    topic,
                                                    partition,
                                                    owner.id(),
                                                    owner.url().toString(),
                                                    PartitionStatus.RESTORING));
                        }
                    }
                    return withEnds(all);
                });
    }

    /** Members are told apart by id and URL: instances started without an id share the host's name. */
    private static String key(FleetMember member) {
        return member.id() + " " + member.url();
    }

    private CompletableFuture<List<PartitionStatus>> ask(FleetMember member, String authorization) {
        return forwarder
                .get(member, "/partitions?scope=local", authorization)
                .thenApply(FleetPartitions::parse)
                .toCompletableFuture()
                .exceptionally(failure -> null);
    }

    private static List<PartitionStatus> parse(HttpResponse<String> answer) {
        if (answer.statusCode() != 200) {
            return null;
        }
        try {
            return Arrays.asList(JSON.readValue(answer.body(), PartitionStatus[].class));
        } catch (IOException e) {
            return null;
        }
    }

    private PartitionStatus row(PartitionProcessor processor) {
        Long age = null;
        Optional<Checkpointer> checkpointer = processor.checkpointer();
        if (checkpointer.isPresent()) {
            OptionalLong last = checkpointer.get().lastSuccessAgeMillis();
            age = last.isPresent() ? last.getAsLong() : null;
        }
        return new PartitionStatus(
                processor.partition().topic(),
                processor.partition().partition(),
                self.id(),
                self.url().toString(),
                status(processor.lifecycle()),
                processor.nextOffset().isPresent() ? processor.nextOffset().getAsLong() : null,
                null,
                null,
                age,
                processor.appliedRecords());
    }

    private PartitionStatus ownRow(int partition, String status) {
        return PartitionStatus.without(
                config.topic(), partition, self.id(), self.url().toString(), status);
    }

    private static String status(PartitionLifecycle lifecycle) {
        return lifecycle == PartitionLifecycle.OPEN ? PartitionStatus.ACTIVE : lifecycle.name();
    }

    private List<PartitionStatus> withEnds(List<PartitionStatus> rows) {
        if (rows.isEmpty()) {
            return rows;
        }
        int partitions = cluster.partitionCount(config.topic()).orElse(0);
        if (partitions == 0) {
            return rows;
        }
        Map<Integer, Long> ends = cluster.endOffsets(config.topic(), partitions);
        List<PartitionStatus> out = new ArrayList<>(rows.size());
        for (PartitionStatus row : rows) {
            out.add(row.withEnd(ends.get(row.partition())));
        }
        return out;
    }
}
