package io.loginstate.query;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;

/** {@code GET /partitions}: the partitions this instance holds and how far each has applied. */
@Path("/partitions")
@Produces(MediaType.APPLICATION_JSON)
public class PartitionResource {

    @Inject
    ProcessorRegistry registry;

    public record PartitionView(String topic, int partition, String status, Long nextOffset, long appliedRecords) {}

    @GET
    public List<PartitionView> list() {
        return registry.processors().stream()
                .sorted(Comparator.comparingInt(
                        (PartitionProcessor p) -> p.partition().partition()))
                .map(p -> new PartitionView(
                        p.partition().topic(),
                        p.partition().partition(),
                        p.lifecycle().name(),
                        p.nextOffset().isPresent() ? p.nextOffset().getAsLong() : null,
                        p.appliedRecords()))
                .toList();
    }
}
