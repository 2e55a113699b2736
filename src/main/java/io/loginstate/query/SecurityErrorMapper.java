package io.loginstate.query;

import io.loginstate.security.ApiAuthenticationMechanism;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** 401 and 403 answers with the JSON error body of every other error, and the challenge on a 401. */
public class SecurityErrorMapper {

    static final String UNAUTHORIZED = "UNAUTHORIZED";
    static final String FORBIDDEN = "FORBIDDEN";

    @ServerExceptionMapper
    public Response missing(UnauthorizedException e) {
        return unauthorized("credentials are required: HTTP Basic (name and secret) or a bearer token");
    }

    @ServerExceptionMapper
    public Response rejected(AuthenticationFailedException e) {
        return unauthorized("the credentials were not accepted");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Response.status(Response.Status.FORBIDDEN)
                .type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(FORBIDDEN, "the credentials do not hold the role this endpoint requires"))
                .build();
    }

    private static Response unauthorized(String message) {
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, ApiAuthenticationMechanism.CHALLENGE)
                .type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(UNAUTHORIZED, message))
                .build();
    }
}
