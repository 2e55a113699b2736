package io.loginstate.query;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/** Answers every failure with a JSON error body and never a stack trace; logs the unexpected ones. */
@Provider
public class UnexpectedErrorMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = Logger.getLogger(UnexpectedErrorMapper.class);

    @Override
    public Response toResponse(Throwable error) {
        if (error instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            Response.Status known = Response.Status.fromStatusCode(status);
            return Response.status(status)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(ApiError.of(known == null ? "HTTP_" + status : known.name(), web.getMessage()))
                    .build();
        }
        LOG.error("Unexpected error while answering a request", error);
        return Response.serverError()
                .type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of("INTERNAL_ERROR", "the request could not be answered; see the service log"))
                .build();
    }
}
