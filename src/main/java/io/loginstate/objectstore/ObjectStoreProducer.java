package io.loginstate.objectstore;

import io.loginstate.config.LoginStateConfig;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

/**
 * The service's one {@link ObjectStore}, chosen by {@code login-state.object-store.type}. Created on
 * first use (a client proxy stands in until then), closed when the application stops.
 */
@ApplicationScoped
public class ObjectStoreProducer {

    private static final Logger LOG = Logger.getLogger(ObjectStoreProducer.class);

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(LoginStateConfig config) {
        ObjectStore store = create(config.objectStore());
        LOG.infof("Object store: %s", store.name());
        return store;
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }

    /** The store the configuration describes. */
    public static ObjectStore create(LoginStateConfig.ObjectStore config) {
        return switch (config.type()) {
            case DIRECTORY -> new DirectoryObjectStore(config.directory().path());
            case S3 -> S3ObjectStore.create(S3Settings.from(config.s3()));
        };
    }
}
