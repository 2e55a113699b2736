package io.loginstate.query;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.erasure.EraseNotRecordedException;
import io.loginstate.erasure.ErasureReceipt;
import io.loginstate.erasure.ErasureRequests;
import io.loginstate.ingest.FleetDirectory;
import io.loginstate.ingest.FleetMember;
import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.login.LoginApplication;
import io.loginstate.login.UserIds;
import io.loginstate.login.UserStateReader.UserSnapshot;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.security.ApiRoles;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /users/{userId}}, the same answer on every instance: the user's partition follows
 * from {@code login-state.partitioner}; a partition held here answers from its state, one owned by
 * another instance is forwarded once to it (the fleet directory says which, without asking
 * Kafka), and while a partition is restored, moves or has no owner the answer is 503 with
 * Retry-After, never a false 404.
 */
@Path("/users")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    /** 421 Misdirected Request: the user's partition lives on another instance. */
    static final int MISDIRECTED = 421;

    static final String RETRY_AFTER_SECONDS = "1";

    @Inject
    LoginStateConfig config;

    @Inject
    ProcessorRegistry registry;

    @Inject
    KafkaClusterView cluster;

    @Inject
    LoginApplication login;

    @Inject
    FleetDirectory directory;

    @Inject
    FleetMember self;

    @Inject
    QueryForwarder forwarder;

    @Inject
    ErasureRequests erasures;

    private KeyPartitioner partitioner;

    @PostConstruct
    void init() {
        partitioner = KeyPartitioner.named(config.partitioner());
    }

    @GET
    @RolesAllowed({ApiRoles.READER, ApiRoles.ADMIN})
    @Path("/{userId}")
    @Operation(
            summary = "The unexpired login state of one user",
            description = "Answered by any instance: the owner of the user's partition answers, another instance"
                    + " forwards the query once to the owner and returns its answer unchanged.")
    @APIResponse(
            responseCode = "200",
            description = "The user's state",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserView.class)))
    @APIResponse(responseCode = "400", ref = ApiDocumentation.INVALID_USER_ID)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    @APIResponse(
            responseCode = "404",
            description = "USER_NOT_FOUND: no unexpired state for the user",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(
            responseCode = "421",
            description = "PARTITION_NOT_ASSIGNED: another instance owns the partition and forwarding is off",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(
            responseCode = "503",
            description =
                    "TOPIC_UNKNOWN, PARTITION_RESTORING, PARTITION_CATCHING_UP, PARTITION_MOVING, PARTITION_UNOWNED or OWNER_UNREACHABLE, with Retry-After: ask again",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public CompletionStage<Response> get(
            @PathParam("userId") String userId,
            @HeaderParam(QueryForwarder.FORWARDED_BY) String forwardedBy,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return route(userId, "GET", forwardedBy, authorization, this::local);
    }

    @DELETE
    @Blocking
    @RolesAllowed(ApiRoles.ADMIN)
    @Path("/{userId}")
    @Operation(
            summary = "Erase one user (right to erasure)",
            description = "Recorded as an erase command in the user's partition of the input topic (acknowledged by"
                    + " every in-sync replica) before the answer; from the answer on, queries do not show the user."
                    + " The receipt's steps (GET /erasures/{erasureId}) show when the user's bytes left every local"
                    + " file, checkpoint and savepoint. Answered by the owner of the user's partition; another"
                    + " instance forwards the request once. A repeated request while the erasure is open answers"
                    + " the same receipt.")
    @APIResponse(
            responseCode = "202",
            description = "The erasure is recorded: its receipt",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ErasureReceipt.class)))
    @APIResponse(responseCode = "400", ref = ApiDocumentation.INVALID_USER_ID)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    @APIResponse(
            responseCode = "503",
            description = "ERASURE_NOT_CONFIGURED (no subject key), ERASE_NOT_RECORDED (the broker did not"
                    + " acknowledge; nothing was recorded, ask again), or the partition is restoring, moving or"
                    + " unowned, with Retry-After",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public CompletionStage<Response> erase(
            @PathParam("userId") String userId,
            @HeaderParam(QueryForwarder.FORWARDED_BY) String forwardedBy,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (!erasures.configured()) {
            return done(
                    error(
                            Response.Status.SERVICE_UNAVAILABLE.getStatusCode(),
                            ApiError.of(
                                    "ERASURE_NOT_CONFIGURED",
                                    "login-state.erasure.subject-key is not set on this instance: erasures cannot be receipted")));
        }
        return route(userId, "DELETE", forwardedBy, authorization, this::eraseHere);
    }

    /** What the owner of a user's partition answers. */
    @FunctionalInterface
    private interface OwnerAnswer {
        Response answer(PartitionProcessor processor, String userId, int partition);
    }

    /**
     * The user's partition: answered here by {@code owner} if it is open here, forwarded once to its
     * owner otherwise, or 503 while it is restored, moves or has no owner.
     */
    private CompletionStage<Response> route(
            String userId, String method, String forwardedBy, String authorization, OwnerAnswer owner) {
        String problem = UserIds.problem(userId);
        if (problem != null) {
            return done(error(Response.Status.BAD_REQUEST.getStatusCode(), ApiError.of("INVALID_USER_ID", problem)));
        }
        OptionalInt partitions = cluster.partitionCount(config.topic());
        if (partitions.isEmpty()) {
            return done(error(
                    Response.Status.SERVICE_UNAVAILABLE.getStatusCode(),
                    ApiError.of(
                            "TOPIC_UNKNOWN",
                            "the partitions of topic '" + config.topic()
                                    + "' cannot be learned from Kafka right now")));
        }
        int partition = partitioner.partition(userId.getBytes(StandardCharsets.UTF_8), partitions.getAsInt());
        TopicPartition topicPartition = new TopicPartition(config.topic(), partition);
        Optional<PartitionProcessor> home = registry.processor(topicPartition);
        if (home.isPresent()) {
            return done(owner.answer(home.get(), userId, partition));
        }
        if (registry.restoring(topicPartition)) {
            return done(unavailable(
                    "PARTITION_RESTORING", "partition " + partition + " is being restored here", partition));
        }
        if (!config.query().forwarding()) {
            return done(error(
                    MISDIRECTED,
                    new ApiError(
                            "PARTITION_NOT_ASSIGNED",
                            "the user belongs to partition " + partition + " of topic '" + config.topic()
                                    + "', which is not assigned to this instance",
                            partition)));
        }
        if (forwardedBy != null) {
            return done(unavailable(
                    "PARTITION_MOVING",
                    "partition " + partition + " is not owned by the instance the query was forwarded to; it is moving",
                    partition));
        }
        Optional<FleetMember> ownerMember = directory.owner(partition).filter(member -> !member.equals(self));
        if (ownerMember.isEmpty()) {
            return done(
                    unavailable("PARTITION_UNOWNED", "partition " + partition + " has no owner right now", partition));
        }
        return forwarder
                .forward(ownerMember.get(), method, "/users/" + QueryForwarder.segment(userId), authorization)
                .exceptionally(failure -> unavailable(
                        "OWNER_UNREACHABLE",
                        "instance " + ownerMember.get().id() + ", the owner of partition " + partition
                                + ", did not answer in time",
                        partition));
    }

    /** Records the erasure on the owner; 202 with the receipt once the broker acknowledged the command. */
    private Response eraseHere(PartitionProcessor processor, String userId, int partition) {
        if (processor.lifecycle() != PartitionLifecycle.OPEN) {
            return unavailable("PARTITION_MOVING", "partition " + partition + " is closing here", partition);
        }
        boolean found =
                !erasures.hidden(userId, partition, processor.nextOffset().orElse(0))
                        && login.reader().read(processor, userId).isPresent();
        try {
            ErasureReceipt receipt = erasures.request(userId, partition, found);
            return Response.status(Response.Status.ACCEPTED)
                    .type(MediaType.APPLICATION_JSON)
                    .header("Location", "/erasures/" + receipt.erasureId())
                    .entity(receipt)
                    .build();
        } catch (EraseNotRecordedException e) {
            return unavailable("ERASE_NOT_RECORDED", "nothing was recorded: " + e.getMessage(), partition);
        } catch (ObjectStoreException e) {
            // Earlier receipts of the user could not be looked up: nothing was recorded.
            return unavailable(
                    "RECEIPTS_UNAVAILABLE",
                    "nothing was recorded: the object store holding receipts did not answer",
                    partition);
        }
    }

    private Response local(PartitionProcessor processor, String userId, int partition) {
        if (erasures.hidden(userId, partition, processor.nextOffset().orElse(0))) {
            return notFound(partition);
        }
        Optional<UserSnapshot> state = login.reader().read(processor, userId);
        if (state.isPresent()) {
            return Response.ok(UserView.of(userId, state.get(), partition)).build();
        }
        if (processor.lifecycle() != PartitionLifecycle.OPEN) {
            return unavailable("PARTITION_MOVING", "partition " + partition + " is closing here", partition);
        }
        if (processor.catchingUp()) {
            return unavailable(
                    "PARTITION_CATCHING_UP",
                    "partition " + partition + " is replaying the records it held when it was assigned here",
                    partition);
        }
        return notFound(partition);
    }

    private static Response notFound(int partition) {
        return error(
                Response.Status.NOT_FOUND.getStatusCode(),
                new ApiError(
                        "USER_NOT_FOUND", "no login state for the user (never seen, expired or erased)", partition));
    }

    /** 503 with Retry-After: the answer exists, but not here and not now. */
    private static Response unavailable(String code, String message, int partition) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                .header("Retry-After", RETRY_AFTER_SECONDS)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(code, message, partition))
                .build();
    }

    private static CompletionStage<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }

    private static Response error(int status, ApiError body) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }
}
