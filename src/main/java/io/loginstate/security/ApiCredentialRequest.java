package io.loginstate.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * What a caller presented in its {@code Authorization} header: HTTP Basic (a name and a secret) or
 * a bearer token (a secret alone).
 */
final class ApiCredentialRequest extends BaseAuthenticationRequest {

    private final String name;
    private final String secret;

    private ApiCredentialRequest(String name, String secret) {
        this.name = name;
        this.secret = secret;
    }

    /** Null for a name, when a bearer token was presented. */
    String name() {
        return name;
    }

    String secret() {
        return secret;
    }

    /**
     * The credentials of an {@code Authorization} header value, or null if it is neither a well-formed
     * Basic nor a Bearer value.
     */
    static ApiCredentialRequest parse(String header) {
        String value = header.strip();
        int space = value.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = value.substring(0, space).toLowerCase(Locale.ROOT);
        String rest = value.substring(space + 1).strip();
        if (rest.isEmpty()) {
            return null;
        }
        if (scheme.equals("bearer")) {
            return new ApiCredentialRequest(null, rest);
        }
        if (!scheme.equals("basic")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon <= 0 ? null : new ApiCredentialRequest(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
}
