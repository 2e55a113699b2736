package io.loginstate.query;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Plain-text connections stay HTTP/1.1: a request asking to upgrade to HTTP/2 (h2c, the default of
 * the JDK's client and of {@code curl --http2}) is answered over HTTP/1.1 and the upgrade ignored.
 * The server's upgrade path accepted a request whose headers exceed the limit and then left the
 * upgraded connection without an answer for good, so one such request stalled every later request
 * of that client. HTTP/2 over TLS (ALPN) is not affected.
 */
@ApplicationScoped
public class ClearTextUpgradeRefusal implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
