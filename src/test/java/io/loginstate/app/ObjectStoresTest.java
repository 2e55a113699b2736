package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.PathConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code login-state.object-store.*}: its defaults, and the store each type builds. */
class ObjectStoresTest {

    @TempDir
    Path dir;

    /** The mapping as Quarkus reads it, from these properties only. */
    private static LoginStateConfig.ObjectStore config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(Path.class, 100, new PathConverter())
                .withMapping(LoginStateConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(LoginStateConfig.class).objectStore();
    }

    @Test
    void defaultsToALocalDirectory() {
        LoginStateConfig.ObjectStore config = config(Map.of());
        assertThat(config.type()).isEqualTo("directory");
        assertThat(config.directory().path()).isEqualTo(Path.of("data/checkpoints"));
        LoginStateConfig.ObjectStore.S3 s3 = config.s3();
        assertThat(s3.endpoint()).isEmpty();
        assertThat(s3.bucket()).isEqualTo("login-state");
        assertThat(s3.prefix()).isEmpty();
        assertThat(s3.region()).isEqualTo("us-east-1");
        assertThat(s3.pathStyleAccess()).isFalse();
        assertThat(s3.accessKeyId()).isEmpty();
        assertThat(s3.secretAccessKey()).isEmpty();

        Path root = dir.resolve("checkpoints");
        try (ObjectStore store =
                ObjectStores.create(config(Map.of("login-state.object-store.directory.path", root.toString())))) {
            assertThat(store).isInstanceOf(DirectoryObjectStore.class);
            assertThat(store.name()).isEqualTo("directory:" + root);
        }
    }

    @Test
    void s3IsChosenByNameWithEverySetting() {
        LoginStateConfig.ObjectStore config = config(Map.of(
                "login-state.object-store.type", "s3",
                "login-state.object-store.s3.endpoint", "http://127.0.0.1:9000",
                "login-state.object-store.s3.bucket", "team-bucket",
                "login-state.object-store.s3.prefix", "prod/login-state",
                "login-state.object-store.s3.region", "eu-west-1",
                "login-state.object-store.s3.path-style-access", "true",
                "login-state.object-store.s3.access-key-id", "id",
                "login-state.object-store.s3.secret-access-key", "secret"));
        assertThat(config.type()).isEqualTo("s3");
        S3Settings settings = ObjectStores.s3Settings(config.s3());
        assertThat(settings.endpoint()).hasValue(URI.create("http://127.0.0.1:9000"));
        assertThat(settings.prefix()).isEqualTo("prod/login-state/");
        assertThat(settings.region()).isEqualTo("eu-west-1");
        assertThat(settings.pathStyleAccess()).isTrue();
        assertThat(settings.accessKeyId()).hasValue("id");
        assertThat(settings.secretAccessKey()).hasValue("secret");
        // Building the client opens no connection: the server need not be there.
        try (ObjectStore store = ObjectStores.create(config)) {
            assertThat(store).isInstanceOf(S3ObjectStore.class);
            assertThat(store.name()).isEqualTo("s3://team-bucket/prod/login-state/ at http://127.0.0.1:9000");
        }
    }

    @Test
    void s3WithoutCredentialsUsesTheDefaultChainAndHalfCredentialsAreRefused() {
        S3Settings settings = ObjectStores.s3Settings(
                config(Map.of("login-state.object-store.type", "s3")).s3());
        assertThat(settings.accessKeyId()).isEqualTo(Optional.empty());
        assertThat(settings.toString()).contains("default chain");

        LoginStateConfig.ObjectStore half = config(Map.of(
                "login-state.object-store.type", "s3",
                "login-state.object-store.s3.access-key-id", "id"));
        assertThatThrownBy(() -> ObjectStores.create(half))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("together");
    }

    @Test
    void anUnknownTypeStopsStartup() {
        assertThatThrownBy(() -> ObjectStores.create(config(Map.of("login-state.object-store.type", "ftp"))))
                .hasMessageContaining("login-state.object-store.type")
                .hasMessageContaining("[directory, s3]");
    }
}
