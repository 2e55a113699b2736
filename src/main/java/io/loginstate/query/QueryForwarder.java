package io.loginstate.query;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.FleetMember;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Forwards a query once to the instance that owns the user's partition and returns its answer
 * (status, body, Retry-After) unchanged. The request names this instance in
 * {@link #FORWARDED_BY}, so the owner never forwards it again.
 */
@ApplicationScoped
public class QueryForwarder {

    public static final String FORWARDED_BY = "X-Login-State-Forwarded-By";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    @Inject
    LoginStateConfig config;

    @Inject
    FleetMember self;

    private HttpClient client;

    @PostConstruct
    void start() {
        client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * The owner's answer, or the failure to get it within {@code login-state.query.forward-timeout}.
     * The caller's {@code authorization} goes along (null: none): every instance accepts the same
     * credentials.
     */
    CompletionStage<Response> forward(FleetMember owner, String path, String authorization) {
        return forward(owner, "GET", path, authorization);
    }

    /** {@link #forward(FleetMember, String, String)} with another method (a DELETE, say). */
    CompletionStage<Response> forward(FleetMember owner, String method, String path, String authorization) {
        return send(owner, method, path, authorization).thenApply(answer -> {
            Response.ResponseBuilder response = Response.status(answer.statusCode())
                    .entity(answer.body())
                    .type(answer.headers().firstValue("Content-Type").orElse(MediaType.APPLICATION_JSON));
            answer.headers().firstValue("Retry-After").ifPresent(value -> response.header("Retry-After", value));
            answer.headers().firstValue("Location").ifPresent(value -> response.header("Location", value));
            return response.build();
        });
    }

    /** A GET of another instance's API with the caller's credentials, marked as forwarded, within the forward timeout. */
    CompletionStage<HttpResponse<String>> get(FleetMember instance, String path, String authorization) {
        return send(instance, "GET", path, authorization);
    }

    private CompletionStage<HttpResponse<String>> send(
            FleetMember instance, String method, String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(instance.url().toString().replaceAll("/+$", "") + path))
                .timeout(
                        "GET".equals(method)
                                ? config.query().forwardTimeout()
                                // The owner waits for the broker's acknowledgement of the erase command first.
                                : config.query()
                                        .forwardTimeout()
                                        .plus(config.erasure().recordTimeout()))
                .header(FORWARDED_BY, self.id())
                .header("Accept", MediaType.APPLICATION_JSON)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A path segment with every character but the unreserved ones percent-encoded (a '/' too). */
    static String segment(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%')
                        .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
        }
        return encoded.toString();
    }
}
