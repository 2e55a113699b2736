package io.loginstate.query;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.login.LoginApplication;
import io.loginstate.login.UserIds;
import io.loginstate.login.UserStateReader.UserSnapshot;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code GET /users/{userId}}: the user's state from the partition that Kafka's default
 * partitioner assigns the id to. Producers with another partitioner (librdkafka's CRC32 default)
 * place keys elsewhere, so a miss there also looks in the other partitions this instance holds.
 */
@Path("/users")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    /** 421 Misdirected Request: the user's partition lives on another instance. */
    static final int MISDIRECTED = 421;

    @Inject
    LoginStateConfig config;

    @Inject
    ProcessorRegistry registry;

    @Inject
    KafkaClusterView cluster;

    @Inject
    LoginApplication login;

    @GET
    @Path("/{userId}")
    public Response get(@PathParam("userId") String userId) {
        String problem = UserIds.problem(userId);
        if (problem != null) {
            return error(Response.Status.BAD_REQUEST.getStatusCode(), ApiError.of("INVALID_USER_ID", problem));
        }
        OptionalInt partitions = cluster.partitionCount(config.topic());
        if (partitions.isEmpty()) {
            return error(
                    Response.Status.SERVICE_UNAVAILABLE.getStatusCode(),
                    ApiError.of(
                            "TOPIC_UNKNOWN",
                            "the partitions of topic '" + config.topic() + "' cannot be learned from Kafka right now"));
        }
        int partition = partitionOf(userId, partitions.getAsInt());
        Optional<PartitionProcessor> home = registry.processor(new TopicPartition(config.topic(), partition));
        if (home.isPresent()) {
            Optional<UserSnapshot> state = login.reader().read(home.get(), userId);
            if (state.isPresent()) {
                return Response.ok(UserView.of(userId, state.get(), partition)).build();
            }
        }
        for (PartitionProcessor other : registry.processors()) {
            if (other.partition().partition() != partition) {
                Optional<UserSnapshot> state = login.reader().read(other, userId);
                if (state.isPresent()) {
                    return Response.ok(UserView.of(
                                    userId, state.get(), other.partition().partition()))
                            .build();
                }
            }
        }
        if (home.isEmpty()) {
            return error(
                    MISDIRECTED,
                    new ApiError(
                            "PARTITION_NOT_ASSIGNED",
                            "user '" + userId + "' belongs to partition " + partition + " of topic '" + config.topic()
                                    + "', which is not assigned to this instance",
                            partition));
        }
        return error(
                Response.Status.NOT_FOUND.getStatusCode(),
                new ApiError(
                        "USER_NOT_FOUND",
                        "no login state for user '" + userId + "' (never seen, or expired)",
                        partition));
    }

    /** Kafka's default partitioner for a keyed record: murmur2 of the key bytes. */
    static int partitionOf(String userId, int partitionCount) {
        return Utils.toPositive(Utils.murmur2(userId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }

    private static Response error(int status, ApiError body) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }
}
