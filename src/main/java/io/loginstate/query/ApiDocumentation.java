package io.loginstate.query;

/**
 * Names of the answers every protected endpoint shares in the API's description ({@code /q/openapi}),
 * declared once in {@code META-INF/openapi.yaml} and referred to from the endpoints'
 * {@code @APIResponse(ref = ...)}.
 */
public final class ApiDocumentation {

    /** The shared 401 answer. */
    public static final String UNAUTHORIZED = "Unauthorized";
    /** The shared 403 answer. */
    public static final String FORBIDDEN = "Forbidden";

    private ApiDocumentation() {}
}
