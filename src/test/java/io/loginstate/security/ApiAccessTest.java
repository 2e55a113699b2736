package io.loginstate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing and checking the API's credentials, and the messages that stop a misconfigured start. */
class ApiAccessTest {

    private static final String READER_SECRET = "reader-secret-0123456789";
    private static final String OPS_SECRET = "ops-secret-with:colon-0123";

    private static ApiCredentials credentials() {
        return ApiCredentials.parse(
                List.of(
                        "# name:roles:secret",
                        "",
                        "dashboard:reader:" + READER_SECRET,
                        " ops : reader, admin :" + OPS_SECRET),
                "test");
    }

    @Test
    void basicCredentialsNeedTheNameAndItsSecret() {
        ApiCredentials credentials = credentials();
        assertThat(credentials.basic("dashboard", READER_SECRET))
                .contains(new ApiCredentials.Credential("dashboard", Set.of(ApiRoles.READER)));
        assertThat(credentials.basic("dashboard", OPS_SECRET)).isEmpty();
        assertThat(credentials.basic("nobody", READER_SECRET)).isEmpty();
        assertThat(credentials.basic("dashboard", READER_SECRET + "x")).isEmpty();
    }

    @Test
    void aBearerTokenIsASecretAlone() {
        ApiCredentials credentials = credentials();
        assertThat(credentials.bearer(OPS_SECRET).map(ApiCredentials.Credential::roles))
                .contains(Set.of(ApiRoles.READER, ApiRoles.ADMIN));
        assertThat(credentials.bearer("not-a-secret-of-anyone")).isEmpty();
    }

    @Test
    void badLinesNameTheSourceAndLineButNeverTheSecret() {
        assertThatThrownBy(() -> ApiCredentials.parse(List.of("a:reader"), "f"))
                .hasMessageContaining("f line 1")
                .hasMessageContaining("<name>:<roles>:<secret>");
        assertThatThrownBy(() -> ApiCredentials.parse(List.of("a:writer:" + READER_SECRET), "f"))
                .hasMessageContaining("unknown role 'writer'")
                .hasMessageNotContaining(READER_SECRET);
        assertThatThrownBy(() -> ApiCredentials.parse(List.of("a:reader:short"), "f"))
                .hasMessageContaining("shorter than 16")
                .hasMessageNotContaining("short:");
        assertThatThrownBy(() ->
                        ApiCredentials.parse(List.of("a:reader:" + READER_SECRET, "b:reader:" + READER_SECRET), "f"))
                .hasMessageContaining("f line 2")
                .hasMessageContaining("used twice")
                .hasMessageNotContaining(READER_SECRET);
        assertThatThrownBy(() -> ApiCredentials.parse(List.of("# nothing"), "f"))
                .hasMessageContaining("no credentials");
    }

    @Test
    void requiredWithoutCredentialsRefusesNamingTheSettings() {
        assertThatThrownBy(() -> ApiAccess.of("required", Optional.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("login-state.api.credentials-file")
                .hasMessageContaining("LOGIN_STATE_API_CREDENTIALS_FILE")
                .hasMessageContaining("LOGIN_STATE_API_AUTH=none");
        assertThatThrownBy(() -> ApiAccess.of("required", Optional.of(Path.of("/nonexistent/credentials"))))
                .hasMessageContaining("/nonexistent/credentials");
        assertThatThrownBy(() -> ApiAccess.of("sometimes", Optional.empty()))
                .hasMessageContaining("'required' or 'none'");
    }

    @Test
    void requiredReadsTheFileAndNoneNeedsNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("credentials");
        Files.writeString(file, "dashboard:reader:" + READER_SECRET + "\n");
        ApiAccess required = ApiAccess.of("REQUIRED", Optional.of(file));
        assertThat(required.open()).isFalse();
        assertThat(required.credentialCount()).isEqualTo(1);
        ApiAccess none = ApiAccess.of("none", Optional.of(file));
        assertThat(none.open()).isTrue();
    }

    @Test
    void authorizationHeadersOfBothSchemes() {
        String basic =
                "Basic " + Base64.getEncoder().encodeToString(("ops:" + OPS_SECRET).getBytes(StandardCharsets.UTF_8));
        ApiCredentialRequest request = ApiCredentialRequest.parse(basic);
        assertThat(request.name()).isEqualTo("ops");
        assertThat(request.secret()).isEqualTo(OPS_SECRET);
        ApiCredentialRequest bearer = ApiCredentialRequest.parse("bearer  " + READER_SECRET);
        assertThat(bearer.name()).isNull();
        assertThat(bearer.secret()).isEqualTo(READER_SECRET);
        assertThat(ApiCredentialRequest.parse("Basic !!!")).isNull();
        assertThat(ApiCredentialRequest.parse("Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes())))
                .isNull();
        assertThat(ApiCredentialRequest.parse("Digest x")).isNull();
        assertThat(ApiCredentialRequest.parse("Bearer")).isNull();
    }
}
