package io.loginstate.query;

import io.loginstate.erasure.ErasureReceipt;
import io.loginstate.erasure.ErasureReceipts;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.security.ApiRoles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Erasure receipts for auditors ({@code admin} role), read from the object store by any instance:
 * one receipt, or every receipt requested since a time. A receipt names the user only by its
 * subject, the HMAC of the id with the deployment's subject key.
 */
@Path("/erasures")
@Produces(MediaType.APPLICATION_JSON)
public class ErasureResource {

    /** The receipts requested since a time, oldest request first. */
    public record ReceiptList(Instant since, List<ErasureReceipt> erasures) {}

    @Inject
    ErasureReceipts receipts;

    @GET
    @RolesAllowed(ApiRoles.ADMIN)
    @Path("/{erasureId}")
    @Operation(summary = "One erasure's receipt: each step with its time")
    @APIResponse(
            responseCode = "200",
            description = "The receipt",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ErasureReceipt.class)))
    @APIResponse(
            responseCode = "400",
            description = "INVALID_ERASURE_ID",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    @APIResponse(
            responseCode = "404",
            description = "ERASURE_NOT_FOUND",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(
            responseCode = "503",
            description = "RECEIPTS_UNAVAILABLE: the object store did not answer",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response get(@PathParam("erasureId") String erasureId) {
        String problem = ErasureReceipts.idProblem(erasureId);
        if (problem != null) {
            return error(Response.Status.BAD_REQUEST, "INVALID_ERASURE_ID", problem);
        }
        return fromStore(() -> {
            Optional<ErasureReceipt> receipt = receipts.get(erasureId);
            return receipt.map(found -> Response.ok(found).build())
                    .orElseGet(() -> error(Response.Status.NOT_FOUND, "ERASURE_NOT_FOUND", "no erasure with that id"));
        });
    }

    @GET
    @RolesAllowed(ApiRoles.ADMIN)
    @Operation(summary = "Every erasure requested at or after a time (ISO-8601; default: all), oldest first")
    @APIResponse(
            responseCode = "200",
            description = "The receipts",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ReceiptList.class)))
    @APIResponse(
            responseCode = "400",
            description = "INVALID_SINCE: not an ISO-8601 instant such as 2026-01-31T00:00:00Z",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    @APIResponse(
            responseCode = "503",
            description = "RECEIPTS_UNAVAILABLE: the object store did not answer",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response list(@QueryParam("since") String since) {
        Instant from;
        try {
            from = since == null || since.isBlank() ? Instant.EPOCH : Instant.parse(since.strip());
        } catch (DateTimeParseException e) {
            return error(
                    Response.Status.BAD_REQUEST,
                    "INVALID_SINCE",
                    "since must be an ISO-8601 instant such as 2026-01-31T00:00:00Z");
        }
        return fromStore(
                () -> Response.ok(new ReceiptList(from, receipts.since(from))).build());
    }

    /** The answer {@code read} makes from the store: 503 if the store does not answer, 500 for a damaged receipt. */
    private static Response fromStore(Supplier<Response> read) {
        try {
            return read.get();
        } catch (ObjectStoreException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .header("Retry-After", UserResource.RETRY_AFTER_SECONDS)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(ApiError.of("RECEIPTS_UNAVAILABLE", "the object store holding receipts did not answer"))
                    .build();
        } catch (IllegalArgumentException e) {
            // A receipt that does not match its checksum: named, never shown.
            return error(Response.Status.INTERNAL_SERVER_ERROR, "RECEIPT_DAMAGED", e.getMessage());
        }
    }

    private static Response error(Response.Status status, String code, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(code, message))
                .build();
    }
}
