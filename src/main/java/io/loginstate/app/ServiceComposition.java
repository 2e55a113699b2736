package io.loginstate.app;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.FleetMember;
import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.ingest.OffsetGaps;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.DeadLetterSink;
import io.loginstate.processing.EndOffsets;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.security.ApiAccess;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.time.InstantSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The composition root: the one place that knows every concrete class. Builds the object store
 * chosen by name, the RocksDB memory shared by all partitions, the checkpoint service, the state
 * stack of each partition and the processors, and stops them in order at shutdown.
 */
@ApplicationScoped
public class ServiceComposition {

    private static final Logger LOG = Logger.getLogger(ServiceComposition.class);

    @Inject
    LoginStateConfig config;

    @Inject
    MeterRegistry meterRegistry;

    @Inject
    InstantSource clock;

    @Inject
    DeadLetterSink deadLetters;

    @Inject
    Instance<ProcessingObserver> observers;

    @Inject
    Instance<OffsetCommitter> committers;

    @Inject
    Instance<ObjectStore> objectStore;

    @Inject
    Instance<KafkaClusterView> endOffsets;

    @ConfigProperty(name = "mp.messaging.incoming.logins.group.id", defaultValue = "login-state")
    String groupId;

    private PartitionStores stores;
    private CheckpointService checkpoints;
    private ProcessorRegistry registry;

    @Produces
    @Singleton
    ObjectStore objectStore() {
        ObjectStore store = ObjectStores.create(config.objectStore());
        LOG.infof("Object store: %s", store.name());
        return store;
    }

    void closeObjectStore(@Disposes ObjectStore store) {
        store.close();
    }

    /** Who may call the HTTP API; a required mode without usable credentials stops the start. */
    @Produces
    @Singleton
    ApiAccess apiAccess() {
        try {
            return ApiAccess.of(config.api().auth(), config.api().credentialsFile());
        } catch (RuntimeException e) {
            LOG.errorf("Not starting: %s", e.getMessage());
            throw e;
        }
    }

    /**
     * Before anything else starts (the Kafka consumer included): the API's access is settled, and an
     * open API is said out loud.
     */
    void checkApiAccess(
            @Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, ApiAccess access) {
        if (access.open()) {
            LOG.warnf(
                    "%s=none: the HTTP API (/users, /partitions, /) answers anyone without credentials",
                    ApiAccess.AUTH_KEY);
        } else {
            LOG.infof(
                    "HTTP API: credentials required (%d configured in %s); health and metrics are open",
                    access.credentialCount(), config.api().credentialsFile().orElseThrow());
        }
    }

    @Produces
    @Singleton
    FleetMember localMember(@ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort) {
        FleetMember self = InstanceIdentity.resolve(config.instance(), httpPort, System.getenv());
        LOG.infof(
                "Instance %s, reachable at %s%s",
                self.id(),
                self.url(),
                config.instance().staticMembership() ? ", static member of the consumer group" : "");
        return self;
    }

    /** How stored positions outside their partition's log are handled. */
    @Produces
    @Singleton
    OffsetGaps offsetGaps() {
        return new OffsetGaps(
                ConfigValues.named(
                        OffsetGaps.BelowLogStart.class,
                        config.offsetGap().belowLogStart(),
                        "login-state.offset-gap.below-log-start"),
                meterRegistry);
    }

    @Produces
    @Singleton
    LoginApplication loginApplication() {
        return new LoginApplication(
                ConfigValues.ttl(config.ttl()),
                config.processing().maxValueBytes(),
                config.ttl().maxDevicesPerUser());
    }

    @Produces
    @Singleton
    synchronized ProcessorRegistry processorRegistry(LoginApplication application) {
        stores = stateBackend();
        LoginStateConfig.Ttl ttl = config.ttl();
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(ttl.allowedLateness(), ttl.wallClockBackstop(), ttl.maxFutureSkew())
                .cleanup(ConfigValues.cleanup(ttl))
                .cacheBytes(stores.cacheBytes(config.processing().cacheBytesPerPartition()));
        if (config.checkpoint().enabled()) {
            checkpoints = new CheckpointService(
                    objectStore.get(),
                    ConfigValues.checkpoint(config.checkpoint(), groupId),
                    config.stateDir().resolve("checkpoints"),
                    ConfigValues.stateConfig(ttl),
                    committers.isResolvable() ? committers.get() : OffsetCommitter.NONE,
                    clock,
                    new CheckpointMetrics(meterRegistry));
        }
        PartitionAssembly assembly = new PartitionAssembly(config.stateDir(), states, stores, application, checkpoints);
        ProcessingObserver observer = observers.isResolvable() ? observers.get() : new ProcessingObserver() {};
        registry = new ProcessorRegistry(
                assembly,
                ConfigValues.processing(config),
                deadLetters,
                observer,
                new ProcessingMetrics(meterRegistry, endOffsets.isResolvable() ? endOffsets.get() : EndOffsets.NONE));
        return registry;
    }

    /** The partition stores {@code login-state.state.backend} names; an unknown one stops the start. */
    private PartitionStores stateBackend() {
        try {
            PartitionStores chosen = StateBackends.create(
                    config.state(),
                    config.rocksdb(),
                    meterRegistry,
                    Runtime.getRuntime().maxMemory());
            if (chosen instanceof HeapPartitionStores heap) {
                LOG.infof(
                        "State backend: heap, within %d bytes of heap state (of %d bytes of maximum heap)",
                        heap.budget().maxBytes(), Runtime.getRuntime().maxMemory());
            } else {
                LOG.infof("State backend: %s", chosen.name());
            }
            return chosen;
        } catch (RuntimeException e) {
            LOG.errorf("Not starting: %s", e.getMessage());
            throw e;
        }
    }

    /**
     * Closes every partition (final checkpoints included), then the checkpoint threads, then what
     * the partitions' stores share (RocksDB's native memory), each step bounded by the close timeout.
     */
    synchronized void stop(@Observes ShutdownEvent event) {
        if (registry == null) {
            return;
        }
        boolean threadsStopped = registry.stop();
        if (checkpoints != null) {
            checkpoints.shutdown(config.processing().closeTimeout());
        }
        if (threadsStopped) {
            stores.close();
        }
        // Otherwise a thread may still use RocksDB: leaking native memory beats a crash at exit.
    }
}
