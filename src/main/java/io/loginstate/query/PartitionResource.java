package io.loginstate.query;

import io.loginstate.security.ApiRoles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /partitions}: every partition of the input topic with its owner, status, offsets, lag
 * and checkpoint age ({@code ?scope=fleet}, the default), or only those held here
 * ({@code ?scope=local}, which is also what a forwarded request gets).
 */
@Path("/partitions")
@Produces(MediaType.APPLICATION_JSON)
public class PartitionResource {

    @Inject
    FleetPartitions partitions;

    @GET
    @RolesAllowed({ApiRoles.READER, ApiRoles.ADMIN})
    @Operation(
            summary = "Every partition of the topic: owner, status, offsets, lag, last checkpoint",
            description = "scope=fleet (default) asks every other instance for its partitions; scope=local"
                    + " lists this instance's own.")
    @APIResponse(
            responseCode = "200",
            description = "One row per partition",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = PartitionStatus.class, type = SchemaType.ARRAY)))
    @APIResponse(
            responseCode = "400",
            description = "INVALID_SCOPE: scope is neither fleet nor local",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public CompletionStage<Response> list(
            @QueryParam("scope") @DefaultValue("fleet") String scope,
            @HeaderParam(QueryForwarder.FORWARDED_BY) String forwardedBy,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (!scope.equals("fleet") && !scope.equals("local")) {
            return CompletableFuture.completedFuture(Response.status(Response.Status.BAD_REQUEST)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(ApiError.of("INVALID_SCOPE", "scope must be 'fleet' or 'local'"))
                    .build());
        }
        if (scope.equals("local") || forwardedBy != null) {
            return CompletableFuture.completedFuture(
                    Response.ok(partitions.local()).build());
        }
        return partitions
                .fleet(authorization)
                .thenApply(rows -> Response.ok(rows).build());
    }
}
