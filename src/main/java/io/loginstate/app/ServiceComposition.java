package io.loginstate.app;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.config.ErasureSettings;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.config.RestoreSettings;
import io.loginstate.erasure.EraseCommandLog;
import io.loginstate.erasure.ErasureReceipts;
import io.loginstate.erasure.ErasureRequests;
import io.loginstate.erasure.ErasureTracker;
import io.loginstate.erasure.SavepointScrub;
import io.loginstate.erasure.SubjectKey;
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
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointCoordinator;
import io.loginstate.savepoint.SavepointEraser;
import io.loginstate.savepoint.SavepointLayout;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.security.ApiAccess;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.support.DaemonThreads;
import io.micrometer.core.instrument.Gauge;
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
import java.time.Duration;
import java.time.InstantSource;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
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
    RestoreSettings restore;

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

    @Inject
    Instance<EraseCommandLog> eraseCommands;

    @ConfigProperty(name = "mp.messaging.incoming.logins.group.id", defaultValue = "login-state")
    String groupId;

    private PartitionStores stores;
    private CheckpointService checkpoints;
    private ProcessorRegistry registry;
    /** Null when checkpoints are off: savepoints need the object store and the owners' fences. */
    private SavepointCoordinator savepoints;

    private ExecutorService savepointSnapshots;

    /** Shared by the requests, the tracker and the API: a stateless view of the object store. */
    private ErasureReceipts receipts;

    private ErasureRequests erasures;
    private ErasureTracker erasureTracker;

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
    synchronized ProcessorRegistry processorRegistry(LoginApplication application, FleetMember self) {
        stores = stateBackend();
        LoginStateConfig.Ttl ttl = config.ttl();
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(ttl.allowedLateness(), ttl.wallClockBackstop(), ttl.maxFutureSkew())
                .cleanup(ConfigValues.cleanup(ttl))
                .cacheBytes(stores.cacheBytes(config.processing().cacheBytesPerPartition()));
        SavepointParts parts = new SavepointParts(stores, states.tableNames(), states.exporter());
        SavepointRestore savepointRestore = null;
        if (config.checkpoint().enabled()) {
            SavepointLayout.checkDeployment(deploymentId());
            checkpoints = new CheckpointService(
                    objectStore.get(),
                    ConfigValues.checkpoint(config.checkpoint(), groupId),
                    config.stateDir().resolve(PartitionFiles.LOCAL_SNAPSHOTS),
                    ConfigValues.stateConfig(ttl),
                    committers.isResolvable() ? committers.get() : OffsetCommitter.NONE,
                    clock,
                    new CheckpointMetrics(meterRegistry));
            if (restore.savepoint().isPresent()) {
                savepointRestore = new SavepointRestore(
                        new SavepointSource(
                                new SavepointCatalog(objectStore.get()),
                                restore.savepoint().get(),
                                savepointMaxAge(),
                                clock),
                        config.partitioner(),
                        partitionCount(),
                        states.importer(),
                        config.stateDir().resolve("savepoints"));
                LOG.infof(
                        "Partitions without local state or checkpoints start from savepoint %s",
                        restore.savepoint().get());
            }
        }
        PartitionAssembly assembly =
                new PartitionAssembly(config.stateDir(), states, stores, application, checkpoints, savepointRestore);
        ProcessingObserver observer = observers.isResolvable() ? observers.get() : new ProcessingObserver() {};
        registry = new ProcessorRegistry(
                assembly,
                ConfigValues.processing(config),
                deadLetters,
                observer,
                new ProcessingMetrics(meterRegistry, endOffsets.isResolvable() ? endOffsets.get() : EndOffsets.NONE),
                clock);
        savepointSnapshots = Executors.newSingleThreadExecutor(DaemonThreads.named("savepoint-snapshot-"));
        RegistryPartitions owned =
                new RegistryPartitions(registry, config.topic(), partitionCount(), savepointSnapshots);
        if (checkpoints != null) {
            savepoints = new SavepointCoordinator(
                    new SavepointCatalog(objectStore.get()),
                    parts,
                    owned,
                    new SavepointCoordinator.Settings(
                            config.topic(),
                            config.partitioner(),
                            deploymentId(),
                            self.id(),
                            ConfigValues.stateConfig(ttl),
                            savepointMaxAge(),
                            config.savepoint().pollInterval(),
                            config.savepoint().expiryInterval(),
                            config.processing().closeTimeout(),
                            config.stateDir().resolve("savepoints")),
                    clock,
                    meterRegistry);
            savepoints.start();
        }
        startErasures(owned);
        return registry;
    }

    /**
     * Erasure requests (only with a subject key) and the tracking of their receipts (always: a
     * partition moved here finishes the receipts its previous owner started).
     */
    private void startErasures(RegistryPartitions owned) {
        ErasureSettings settings = config.erasure();
        boolean delete = ConfigValues.deleteErasedSavepoints(settings.savepoints());
        receipts = new ErasureReceipts(objectStore.get());
        if (settings.subjectKey().isPresent()) {
            SubjectKey subjects;
            try {
                subjects = SubjectKey.of(settings.subjectKey().get());
            } catch (IllegalArgumentException e) {
                LOG.errorf("Not starting: %s", e.getMessage());
                throw e;
            }
            erasures = new ErasureRequests(
                    subjects,
                    receipts,
                    eraseCommands.get(),
                    config.topic(),
                    ConfigValues.erasureBound(config),
                    settings.recordTimeout(),
                    clock);
        } else {
            LOG.warn("login-state.erasure.subject-key is not set: DELETE /users/{id} answers 503 until it is");
        }
        SavepointScrub scrub = null;
        if (checkpoints != null) {
            SavepointCatalog catalog = new SavepointCatalog(objectStore.get());
            scrub = new SavepointScrub(
                    catalog,
                    new SavepointEraser(catalog, clock, config.stateDir().resolve("erasures")),
                    delete);
        }
        erasureTracker =
                new ErasureTracker(receipts, erasures, owned, checkpoints != null, scrub, config.topic(), clock);
        erasureTracker.start(settings.pollInterval());
        Gauge.builder("login_state.erasures.open", erasureTracker, ErasureTracker::openErasures)
                .description("Erasures requested and not complete yet, in all partitions")
                .register(meterRegistry);
        Gauge.builder("login_state.erasures.overdue", erasureTracker, ErasureTracker::overdueErasures)
                .description("Erasures past the deadline of their receipt and not complete")
                .register(meterRegistry);
    }

    /** Erasure requests; {@link ErasureRequests#configured()} is false without a subject key. */
    @Produces
    @Singleton
    ErasureRequests erasureRequests(ProcessorRegistry processors) {
        return erasures != null ? erasures : ErasureRequests.unconfigured(receipts);
    }

    /** The receipts, read by any instance. */
    @Produces
    @Singleton
    ErasureReceipts erasureReceipts(ProcessorRegistry processors) {
        return receipts;
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

    /** Savepoints of this fleet; taking one needs checkpoints on. */
    @Produces
    @Singleton
    SavepointCoordinator savepointCoordinator(ProcessorRegistry processors) {
        if (savepoints == null) {
            throw new IllegalStateException(
                    "Savepoints need checkpoints: login-state.checkpoint.enabled is false on this instance");
        }
        return savepoints;
    }

    private String deploymentId() {
        return config.checkpoint().deploymentId().orElse(groupId);
    }

    private Duration savepointMaxAge() {
        return config.savepoint().maxAge().orElse(config.ttl().duration());
    }

    private Supplier<OptionalInt> partitionCount() {
        return () -> endOffsets.isResolvable() ? endOffsets.get().partitionCount(config.topic()) : OptionalInt.empty();
    }

    /**
     * Stops the savepoint poller and, with {@code savepoint.on-shutdown}, writes the shutdown
     * savepoint's parts; then closes every partition (final checkpoints included), then the
     * checkpoint threads, then what the partitions' stores share (RocksDB's native memory), each step
     * bounded by the close timeout.
     */
    synchronized void stop(@Observes ShutdownEvent event) {
        if (registry == null) {
            return;
        }
        if (savepoints != null) {
            // The poller first: a part it is writing finishes before the shutdown's own are written.
            savepoints.stop(config.processing().closeTimeout());
            if (config.savepoint().onShutdown()) {
                try {
                    savepoints.writeOnShutdown(config.processing().closeTimeout());
                } catch (RuntimeException e) {
                    LOG.warnf("The shutdown savepoint failed (%s); stopping without it", e.toString());
                }
            }
        }
        if (erasureTracker != null) {
            erasureTracker.stop(config.processing().closeTimeout());
        }
        boolean threadsStopped = registry.stop();
        if (savepointSnapshots != null) {
            savepointSnapshots.shutdownNow();
        }
        if (checkpoints != null) {
            checkpoints.shutdown(config.processing().closeTimeout());
        }
        if (threadsStopped) {
            stores.close();
        }
        // Otherwise a thread may still use RocksDB: leaking native memory beats a crash at exit.
    }
}
