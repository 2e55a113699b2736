package io.loginstate.query;

/**
 * Names of the answers several endpoints share in the API's description ({@code /q/openapi}),
 * declared once in {@code META-INF/openapi.yaml} and referred to from the endpoints'
 * {@code @APIResponse(ref = ...)}.
 */
public final class ApiDocumentation {

    /** The shared 401 answer. */
    public static final String UNAUTHORIZED = "Unauthorized";
    /** The shared 403 answer. */
    public static final String FORBIDDEN = "Forbidden";
    /** The 404 of the endpoints of one savepoint. */
    public static final String SAVEPOINT_NOT_FOUND = "SavepointNotFound";
    /** The 400 of the endpoints of one user. */
    public static final String INVALID_USER_ID = "InvalidUserId";

    private ApiDocumentation() {}
}
