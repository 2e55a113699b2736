package io.loginstate.app;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The object store implementations, by the name {@code login-state.object-store.type} gives. */
final class ObjectStores {

    private static final Map<String, Function<LoginStateConfig.ObjectStore, ObjectStore>> BY_NAME = Map.of(
            "directory", config -> new DirectoryObjectStore(config.directory().path()),
            "s3", config -> S3ObjectStore.create(s3Settings(config.s3())));

    private ObjectStores() {}

    /** The store the configuration names; an unknown name stops startup with the known ones. */
    static ObjectStore create(LoginStateConfig.ObjectStore config) {
        Function<LoginStateConfig.ObjectStore, ObjectStore> factory =
                BY_NAME.get(config.type().trim().toLowerCase(Locale.ROOT));
        if (factory == null) {
            throw new IllegalArgumentException(
                    "login-state.object-store.type is '" + config.type() + "'; it must be one of "
                            + BY_NAME.keySet().stream().sorted().toList());
        }
        return factory.apply(config);
    }

    /** The settings under {@code login-state.object-store.s3}. */
    static S3Settings s3Settings(LoginStateConfig.ObjectStore.S3 config) {
        S3Settings.Builder settings = S3Settings.builder(config.bucket())
                .prefix(config.prefix().orElse(""))
                .region(config.region())
                .pathStyleAccess(config.pathStyleAccess());
        if (config.accessKeyId().isPresent() || config.secretAccessKey().isPresent()) {
            settings.credentials(
                    config.accessKeyId().orElse(null), config.secretAccessKey().orElse(null));
        }
        config.endpoint().ifPresent(settings::endpoint);
        return settings.build();
    }
}
