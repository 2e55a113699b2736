package io.loginstate.query;

import io.loginstate.savepoint.SavepointCoordinator;
import io.loginstate.savepoint.SavepointNotFoundException;
import io.loginstate.savepoint.SavepointPinnedException;
import io.loginstate.savepoint.SavepointStatus;
import io.loginstate.savepoint.SavepointSummary;
import io.loginstate.security.ApiRoles;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code /admin/savepoints}: take, list, show, pin, unpin and delete savepoints (role
 * {@code admin}). A request on any instance is seen by every instance's poller, which writes the
 * parts of the partitions it owns.
 */
@Path("/admin/savepoints")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(ApiRoles.ADMIN)
@Blocking
public class SavepointResource {

    @Inject
    Instance<SavepointCoordinator> coordinator;

    /** The body of {@code 202}: the new savepoint's id. */
    public record Requested(String id) {}

    @POST
    @Operation(
            summary = "Take a savepoint of every partition",
            description = "Answers at once with the id; GET /admin/savepoints/{id} shows the progress until complete.")
    @APIResponse(
            responseCode = "202",
            description = "Requested",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = Requested.class)))
    @APIResponse(
            responseCode = "409",
            description =
                    "SAVEPOINTS_UNAVAILABLE: checkpoints are off, or the topic's partition count is not known yet",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response take() {
        return answer(savepoints ->
                Response.accepted(new Requested(savepoints.request())).build());
    }

    @GET
    @Operation(summary = "Every savepoint in the object store, oldest first")
    @APIResponse(
            responseCode = "200",
            description = "One row per savepoint",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = SavepointSummary.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response list() {
        return answer(savepoints -> Response.ok(savepoints.list()).build());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A savepoint's progress per partition, and its manifest once complete")
    @APIResponse(
            responseCode = "200",
            description = "The savepoint",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = SavepointStatus.class)))
    @APIResponse(responseCode = "404", ref = ApiDocumentation.SAVEPOINT_NOT_FOUND)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response show(@PathParam("id") String id) {
        return answer(savepoints -> Response.ok(savepoints.status(id)).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a savepoint (refused while it is pinned)")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(
            responseCode = "409",
            description = "SAVEPOINT_PINNED: unpin it first",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", ref = ApiDocumentation.SAVEPOINT_NOT_FOUND)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response delete(@PathParam("id") String id) {
        return answer(savepoints -> {
            savepoints.delete(id);
            return Response.noContent().build();
        });
    }

    @POST
    @Path("/{id}/pin")
    @Operation(summary = "Keep a savepoint past login-state.savepoint.max-age, and refuse its deletion")
    @APIResponse(responseCode = "204", description = "Pinned")
    @APIResponse(responseCode = "404", ref = ApiDocumentation.SAVEPOINT_NOT_FOUND)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response pin(@PathParam("id") String id) {
        return answer(savepoints -> {
            savepoints.pin(id, true);
            return Response.noContent().build();
        });
    }

    @POST
    @Path("/{id}/unpin")
    @Operation(summary = "Let a savepoint expire by age again, and be deleted")
    @APIResponse(responseCode = "204", description = "Unpinned")
    @APIResponse(responseCode = "404", ref = ApiDocumentation.SAVEPOINT_NOT_FOUND)
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public Response unpin(@PathParam("id") String id) {
        return answer(savepoints -> {
            savepoints.pin(id, false);
            return Response.noContent().build();
        });
    }

    private Response answer(Function<SavepointCoordinator, Response> action) {
        SavepointCoordinator savepoints;
        try {
            savepoints = coordinator.get();
        } catch (RuntimeException e) {
            return error(Response.Status.CONFLICT, "SAVEPOINTS_UNAVAILABLE", rootMessage(e));
        }
        try {
            return action.apply(savepoints);
        } catch (SavepointNotFoundException e) {
            return error(Response.Status.NOT_FOUND, "SAVEPOINT_NOT_FOUND", e.getMessage());
        } catch (SavepointPinnedException e) {
            return error(Response.Status.CONFLICT, "SAVEPOINT_PINNED", e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, "INVALID_SAVEPOINT_ID", e.getMessage());
        } catch (IllegalStateException e) {
            return error(Response.Status.CONFLICT, "SAVEPOINTS_UNAVAILABLE", e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    private static Response error(Response.Status status, String code, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(code, message))
                .build();
    }
}
