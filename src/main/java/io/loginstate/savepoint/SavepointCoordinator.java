package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.support.DaemonThreads;
import io.loginstate.support.Directories;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Savepoints for the whole fleet without a new RPC path: a request on any instance writes
 * {@code _request.json}; every instance polls for requests without a manifest and writes the parts
 * of the partitions it owns ({@link PartWriter}); whoever sees the last part written writes the
 * manifest. Unpinned savepoints past their max age are deleted by the owner of partition 0.
 */
public final class SavepointCoordinator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SavepointCoordinator.class);
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** A stopping instance joins an open shutdown savepoint requested this recently. */
    static final Duration SHUTDOWN_WINDOW = Duration.ofMinutes(15);

    static final String SHUTDOWN_PREFIX = "shutdown-";

    /**
     * @param stateConfig the TTL settings every manifest records
     * @param snapshotTimeout longest wait for one partition's snapshot
     * @param workDir local directory for snapshots and parts on their way to the store
     */
    public record Settings(
            String topic,
            String partitioner,
            String deployment,
            String instanceId,
            Map<String, String> stateConfig,
            Duration maxAge,
            Duration pollInterval,
            Duration expiryInterval,
            Duration snapshotTimeout,
            Path workDir) {}

    private final SavepointCatalog catalog;
    private final OwnedPartitions partitions;
    private final PartWriter writer;
    private final Settings settings;
    private final InstantSource clock;
    private final Counter expired;
    private ScheduledExecutorService timer;

    public SavepointCoordinator(
            SavepointCatalog catalog,
            PartExporter exporter,
            OwnedPartitions partitions,
            Settings settings,
            InstantSource clock,
            MeterRegistry meters) {
        SavepointLayout.checkDeployment(settings.deployment());
        this.catalog = catalog;
        this.partitions = partitions;
        this.settings = settings;
        this.clock = clock;
        this.writer = new PartWriter(catalog, exporter, partitions, settings.workDir(), settings.instanceId(), clock);
        this.expired = Counter.builder("login_state_savepoints_expired")
                .description("Unpinned savepoints deleted past login-state.savepoint.max-age")
                .register(meters);
    }

    /** Starts polling for requests, and the max-age timer; local files a crash left behind are deleted first. */
    public synchronized void start() {
        Directories.deleteRecursively(settings.workDir());
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("savepoints-"));
        long poll = Math.max(200, settings.pollInterval().toMillis());
        timer.scheduleWithFixedDelay(this::pollQuietly, poll, poll, TimeUnit.MILLISECONDS);
        long expiry = Math.max(1_000, settings.expiryInterval().toMillis());
        timer.scheduleWithFixedDelay(this::expireQuietly, expiry, expiry, TimeUnit.MILLISECONDS);
    }

    /** Records a request for a savepoint of every partition; returns its id. */
    public String request() {
        int count = partitions
                .partitionCount()
                .orElseThrow(() -> new IllegalStateException(
                        "The partition count of " + settings.topic() + " is not known yet; try again"));
        Instant now = clock.instant();
        String id = ID_TIME.format(now) + "-"
                + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        create(id, count, now);
        LOG.infof("Savepoint %s requested (%d partitions of %s)", id, count, settings.topic());
        ScheduledExecutorService running = timer;
        if (running != null) {
            running.execute(this::pollQuietly);
        }
        return id;
    }

    private boolean create(String id, int count, Instant now) {
        return catalog.create(new SavepointRequest(
                SavepointRequest.FORMAT_VERSION,
                id,
                settings.topic(),
                count,
                settings.partitioner(),
                settings.deployment(),
                now,
                settings.instanceId(),
                false));
    }

    /** Every savepoint in the store, oldest first. */
    public List<SavepointSummary> list() {
        List<SavepointSummary> rows = new ArrayList<>();
        catalog.listAll().forEach((id, objects) -> {
            try {
                catalog.request(id)
                        .ifPresent(request -> rows.add(new SavepointSummary(
                                id,
                                hasManifest(id, objects) ? SavepointStatus.COMPLETE : SavepointStatus.OPEN,
                                request.topic(),
                                request.partitions(),
                                writtenPartitions(request, objects).size(),
                                request.requestedAt(),
                                request.pinned())));
            } catch (IllegalArgumentException e) {
                LOG.warnf("Savepoint %s: unreadable request (%s)", id, e.getMessage());
            }
        });
        rows.sort((a, b) -> a.requestedAt().compareTo(b.requestedAt()));
        return rows;
    }

    /** One savepoint's progress per partition, and its manifest once complete. */
    public SavepointStatus status(String id) {
        return catalog.status(id);
    }

    public void pin(String id, boolean pinned) {
        SavepointLayout.checkId(id);
        if (!catalog.pin(id, pinned)) {
            throw new SavepointNotFoundException(id);
        }
        LOG.infof("Savepoint %s %s", id, pinned ? "pinned" : "unpinned");
    }

    /** Deletes a savepoint; a pinned one is refused. */
    public void delete(String id) {
        SavepointLayout.checkId(id);
        SavepointRequest request = catalog.request(id).orElseThrow(() -> new SavepointNotFoundException(id));
        if (request.pinned()) {
            throw new SavepointPinnedException(id);
        }
        int objects = catalog.delete(id);
        LOG.infof("Savepoint %s deleted (%d objects)", id, objects);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warnf("Looking for savepoint requests failed (%s); the next poll tries again", e.toString());
        }
    }

    /** One round: for each open request of this topic, writes the parts owned here, then the manifest if complete. */
    public void poll() {
        for (Map.Entry<String, List<ObjectInfo>> entry : catalog.listAll().entrySet()) {
            String id = entry.getKey();
            if (hasManifest(id, entry.getValue()) || !hasRequest(id, entry.getValue())) {
                continue;
            }
            SavepointRequest request;
            try {
                request = catalog.request(id).orElse(null);
            } catch (IllegalArgumentException e) {
                LOG.warnf("Savepoint %s: unreadable request (%s); skipped", id, e.getMessage());
                continue;
            }
            if (request != null && request.topic().equals(settings.topic())) {
                // Each part is bounded by the snapshot timeout; the round as a whole by all of them.
                long budget = settings.snapshotTimeout().toNanos() * Math.max(1, request.partitions());
                writeOwnedParts(request, System.nanoTime() + budget);
                completeIfAllWritten(request);
            }
        }
    }

    /** Writes the owned partitions' parts still wanted, until {@code deadline} ({@link System#nanoTime}). */
    private void writeOwnedParts(SavepointRequest request, long deadline) {
        for (int partition : partitions.owned()) {
            if (partition >= request.partitions() || System.nanoTime() - deadline > 0) {
                continue;
            }
            try {
                if (writer.wanted(request, partition)) {
                    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                    writer.write(
                            request,
                            partition,
                            left.compareTo(settings.snapshotTimeout()) < 0 ? left : settings.snapshotTimeout());
                }
            } catch (RuntimeException e) {
                String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warnf(
                        "Savepoint %s: writing the part of partition %s-%d failed (%s); the next poll tries again",
                        request.id(), request.topic(), partition, reason);
                try {
                    catalog.recordFailure(
                            request.id(),
                            request.topic(),
                            new PartFailure(partition, reason, settings.instanceId(), clock.instant()));
                } catch (RuntimeException recordFailed) {
                    LOG.debugf("Savepoint %s: cannot record the failure: %s", request.id(), recordFailed);
                }
            }
        }
    }

    /** Writes the manifest once every partition has its part; true if the savepoint is complete. */
    boolean completeIfAllWritten(SavepointRequest request) {
        List<PartSummary> summaries = new ArrayList<>();
        for (int p = 0; p < request.partitions(); p++) {
            Optional<PartSummary> summary = catalog.summary(request.id(), request.topic(), p);
            if (summary.isEmpty()) {
                return false;
            }
            summaries.add(summary.get());
        }
        Map<String, String> states = new TreeMap<>();
        summaries.get(0).properties().forEach((key, value) -> {
            if (key.startsWith("state.")) {
                states.put(key, value);
            }
        });
        SavepointManifest manifest = new SavepointManifest(
                SavepointManifest.FORMAT_VERSION,
                request.id(),
                request.topic(),
                request.partitions(),
                request.partitioner(),
                clock.instant(),
                settings.stateConfig(),
                request.deployment(),
                states,
                summaries.stream().map(SavepointManifest.PartEntry::of).toList(),
                null);
        if (catalog.writeManifest(manifest)) {
            LOG.infof("Savepoint %s complete: %d parts", request.id(), summaries.size());
        }
        removeUnnamedParts(request.id());
        return true;
    }

    /** Parts a newer owner's replaced, failure records: nothing the manifest names. */
    private void removeUnnamedParts(String id) {
        SavepointManifest manifest = catalog.manifest(id).orElseThrow();
        Set<String> named = new HashSet<>();
        manifest.parts().forEach(part -> named.add(part.key()));
        for (ObjectInfo object : catalog.store().list(SavepointLayout.prefix(id))) {
            String key = object.key();
            if ((key.endsWith(".part") && !named.contains(key)) || key.endsWith(".failed.json")) {
                catalog.store().delete(key);
            }
        }
    }

    /**
     * On a graceful stop, before partitions close: writes the owned partitions' parts into the
     * shutdown savepoint, within {@code timeout}. Its id is that of an open shutdown savepoint
     * requested within {@link #SHUTDOWN_WINDOW}, so a fleet stopping one instance after the other
     * fills one savepoint, or else a new {@code shutdown-<time>}. Returns the id.
     */
    public Optional<String> writeOnShutdown(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (partitions.owned().isEmpty()) {
            return Optional.empty();
        }
        SavepointRequest request = openShutdownRequest().orElse(null);
        if (request == null) {
            int count = partitions.partitionCount().orElse(0);
            if (count == 0) {
                LOG.warn("No shutdown savepoint: the topic's partition count is not known");
                return Optional.empty();
            }
            Instant now = clock.instant();
            String id = SHUTDOWN_PREFIX + ID_TIME.format(now);
            create(id, count, now);
            request = catalog.request(id).orElseThrow();
        }
        writeOwnedParts(request, deadline);
        boolean complete = completeIfAllWritten(request);
        LOG.infof(
                "Shutdown savepoint %s: parts of partitions %s written here; %s",
                request.id(), partitions.owned(), complete ? "complete" : "open until the other owners write theirs");
        return Optional.of(request.id());
    }

    private Optional<SavepointRequest> openShutdownRequest() {
        Instant since = clock.instant().minus(SHUTDOWN_WINDOW);
        Optional<SavepointRequest> newest = Optional.empty();
        for (Map.Entry<String, List<ObjectInfo>> entry : catalog.listAll().entrySet()) {
            String id = entry.getKey();
            if (!id.startsWith(SHUTDOWN_PREFIX) || hasManifest(id, entry.getValue())) {
                continue;
            }
            Optional<SavepointRequest> request = catalog.request(id);
            if (request.isPresent()
                    && request.get().topic().equals(settings.topic())
                    && !request.get().requestedAt().isBefore(since)
                    && (newest.isEmpty()
                            || request.get().requestedAt().isAfter(newest.get().requestedAt()))) {
                newest = request;
            }
        }
        return newest;
    }

    private void expireQuietly() {
        try {
            expire();
        } catch (RuntimeException e) {
            LOG.warnf("Deleting savepoints past their max age failed (%s); the next round tries again", e.toString());
        }
    }

    /** On the owner of partition 0 only: deletes unpinned savepoints older than the max age. Returns how many. */
    public int expire() {
        if (!partitions.owned().contains(0)) {
            return 0;
        }
        Instant oldest = clock.instant().minus(settings.maxAge());
        int deleted = 0;
        for (String id : catalog.listAll().keySet()) {
            Optional<SavepointRequest> request;
            try {
                request = catalog.request(id);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (request.isPresent()
                    && !request.get().pinned()
                    && request.get().requestedAt().isBefore(oldest)) {
                catalog.delete(id);
                expired.increment();
                deleted++;
                LOG.infof(
                        "Savepoint %s deleted: requested at %s, older than login-state.savepoint.max-age (%s), not pinned",
                        id, request.get().requestedAt(), settings.maxAge());
            }
        }
        return deleted;
    }

    private static boolean hasManifest(String id, List<ObjectInfo> objects) {
        String key = SavepointLayout.manifest(id);
        return objects.stream().anyMatch(object -> object.key().equals(key));
    }

    private static boolean hasRequest(String id, List<ObjectInfo> objects) {
        String key = SavepointLayout.request(id);
        return objects.stream().anyMatch(object -> object.key().equals(key));
    }

    private static Set<Integer> writtenPartitions(SavepointRequest request, List<ObjectInfo> objects) {
        Set<Integer> written = new HashSet<>();
        for (int p = 0; p < request.partitions(); p++) {
            String key = SavepointLayout.summary(request.id(), request.topic(), p);
            if (objects.stream().anyMatch(object -> object.key().equals(key))) {
                written.add(p);
            }
        }
        return written;
    }

    /** Stops the timers, waiting up to {@code timeout} for a part being written. Idempotent. */
    public synchronized void stop(Duration timeout) {
        if (timer != null) {
            timer.shutdown();
            try {
                if (!timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timer.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                timer.shutdownNow();
            }
            timer = null;
        }
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}
