package io.loginstate.security;

import java.util.Set;

/** The roles a credential of the HTTP API can hold. */
public final class ApiRoles {

    /** Queries: {@code GET /users/{userId}}, {@code GET /partitions}, the status page. */
    public static final String READER = "reader";

    /** Administrative endpoints (savepoints, erasure). */
    public static final String ADMIN = "admin";

    static final Set<String> ALL = Set.of(READER, ADMIN);

    private ApiRoles() {}
}
