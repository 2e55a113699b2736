package io.loginstate.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may call the HTTP API: anyone ({@code login-state.api.auth=none}) or only the holders of the
 * configured credentials ({@code required}). Built once at start; a required mode without usable
 * credentials stops the start with a message that names the settings.
 */
public final class ApiAccess {

    public static final String AUTH_KEY = "login-state.api.auth";
    public static final String CREDENTIALS_FILE_KEY = "login-state.api.credentials-file";

    private final boolean open;
    private final ApiCredentials credentials;

    private ApiAccess(boolean open, ApiCredentials credentials) {
        this.open = open;
        this.credentials = credentials;
    }

    /**
     * @param auth            the value of {@code login-state.api.auth}: {@code required} or {@code none}
     * @param credentialsFile the value of {@code login-state.api.credentials-file}
     */
    public static ApiAccess of(String auth, Optional<Path> credentialsFile) {
        String mode = auth.strip().toLowerCase(Locale.ROOT);
        if (mode.equals("none")) {
            return new ApiAccess(true, null);
        }
        if (!mode.equals("required")) {
            throw new IllegalArgumentException(AUTH_KEY + " is '" + auth + "'; it must be 'required' or 'none'");
        }
        if (credentialsFile.isEmpty()) {
            throw new IllegalStateException(AUTH_KEY + " is 'required' (the default of the production profile), but no"
                    + " API credentials are configured: set " + CREDENTIALS_FILE_KEY
                    + " (environment LOGIN_STATE_API_CREDENTIALS_FILE) to a file of <name>:<roles>:<secret> lines,"
                    + " e.g. a mounted Secret, or set " + AUTH_KEY
                    + "=none (environment LOGIN_STATE_API_AUTH=none) to serve the API without authentication");
        }
        Path file = credentialsFile.get();
        try {
            return new ApiAccess(
                    false, ApiCredentials.parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(
                    AUTH_KEY + " is 'required', but " + CREDENTIALS_FILE_KEY + " (" + file + ") cannot be read: " + e,
                    e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    AUTH_KEY + " is 'required', but " + CREDENTIALS_FILE_KEY + " is not usable: " + e.getMessage(), e);
        }
    }

    /** True when the API answers anyone. */
    public boolean open() {
        return open;
    }

    /** How many credentials are configured (0 when open). */
    public int credentialCount() {
        return open ? 0 : credentials.size();
    }

    ApiCredentials credentials() {
        if (open) {
            throw new IllegalStateException("no credentials: " + AUTH_KEY + " is 'none'");
        }
        return credentials;
    }
}
