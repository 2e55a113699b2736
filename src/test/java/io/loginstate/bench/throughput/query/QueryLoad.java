package io.loginstate.bench.throughput.query;

import io.loginstate.bench.LoginEvents;
import io.loginstate.bench.ZipfSampler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed-rate load of {@code GET /users/{id}} on the service at 127.0.0.1, open-loop: request
 * {@code i} is due at {@code start + i / rate} whatever happened to the earlier ones, and its latency
 * is measured from that due time, not from when a worker got to send it. A slow answer therefore
 * counts for every request it held up (no coordinated omission). Half the requests ask for a user
 * drawn from the same Zipf distribution as the events (hot), half for a user drawn uniformly (cold,
 * often unknown: 404). Bounded by a request count and a duration.
 */
public final class QueryLoad {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final Settings settings;
    private final int users;
    /** Built before the start: its table of a million users takes a while, and no request may wait for it. */
    private final ZipfSampler zipf;

    private final LatencyLog log;
    private final HttpClient http;
    private final LinkedBlockingQueue<Request> due = new LinkedBlockingQueue<>();
    private final ExecutorService workers;
    private final Thread scheduler;
    private final AtomicInteger scheduled = new AtomicInteger();
    private volatile boolean stopping;
    private volatile long startNanos;
    private volatile long lastDueNanos;

    /**
     * @param rate        requests per second
     * @param maxRequests at most this many requests in all
     * @param maxDuration no request is due later than this after the start
     * @param threads     senders: requests due while all are busy wait in a queue, their wait counted
     */
    public record Settings(int rate, int maxRequests, Duration maxDuration, int threads) {}

    private record Request(int index, long dueNanos, int user) {}

    private QueryLoad(int port, int users, Settings settings) {
        this.base = URI.create("http://127.0.0.1:" + port + "/users/");
        this.settings = settings;
        this.users = users;
        this.zipf = new ZipfSampler(users, 1.0);
        this.log = new LatencyLog(settings.maxRequests());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        this.workers = Executors.newFixedThreadPool(settings.threads(), daemon("query-load-"));
        this.scheduler = new Thread(this::schedule, "query-load-scheduler");
        this.scheduler.setDaemon(true);
    }

    /** Starts the load on the service listening on 127.0.0.1:{@code port}. */
    public static QueryLoad start(int port, int users, Settings settings) {
        QueryLoad load = new QueryLoad(port, users, settings);
        for (int i = 0; i < settings.threads(); i++) {
            load.workers.execute(load::send);
        }
        load.startNanos = System.nanoTime();
        load.scheduler.start();
        return load;
    }

    /** Stops making requests due, lets every request already due finish (bounded), and summarises. */
    public LatencySummary stop() throws InterruptedException {
        stopping = true;
        LockSupport.unpark(scheduler);
        scheduler.join();
        workers.shutdown();
        for (int i = 0; i < settings.threads(); i++) {
            due.add(new Request(-1, 0, 0));
        }
        if (!workers.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            workers.shutdownNow();
            // Interrupted senders give up their request at once: the summary must not race their last writes.
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        return log.summary(scheduled.get(), startNanos, lastDueNanos);
    }

    private void schedule() {
        SplittableRandom random = new SplittableRandom(2);
        long maxNanos = settings.maxDuration().toNanos();
        for (int i = 0; i < settings.maxRequests() && !stopping; i++) {
            long offset = i * 1_000_000_000L / settings.rate();
            if (offset > maxNanos) {
                break;
            }
            long dueAt = startNanos + offset;
            int user = i % 2 == 0 ? zipf.sample(random) : 1 + random.nextInt(users);
            // Waits for the request's due time, not for a condition: this is what makes the load open-loop.
            for (long wait = dueAt - System.nanoTime(); wait > 0 && !stopping; wait = dueAt - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (stopping) {
                break;
            }
            lastDueNanos = dueAt;
            scheduled.incrementAndGet();
            due.add(new Request(i, dueAt, user));
        }
    }

    private void send() {
        try {
            for (Request request = due.take(); request.index() >= 0; request = due.take()) {
                log.record(request.index(), status(request.user()), request.dueNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The HTTP status, or -1 if the request failed or timed out. */
    private int status(int user) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(LoginEvents.userId(user)))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
