package io.loginstate.query;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.FleetDirectory;
import io.loginstate.ingest.FleetMember;
import io.loginstate.security.ApiRoles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /}: the fleet at a glance for a person, the table of {@code GET /partitions} as a
 * server-rendered page that reloads itself every few seconds. No scripts, nothing to install.
 */
@Path("/")
public class StatusPage {

    static final int REFRESH_SECONDS = 5;

    @Inject
    LoginStateConfig config;

    @Inject
    FleetPartitions partitions;

    @Inject
    FleetDirectory directory;

    @Inject
    FleetMember self;

    @GET
    @RolesAllowed({ApiRoles.READER, ApiRoles.ADMIN})
    @Produces(MediaType.TEXT_HTML)
    @Operation(
            summary = "The fleet's partitions as a page for people",
            description = "The table of GET /partitions, refreshing itself every few seconds.")
    @APIResponse(
            responseCode = "200",
            description = "An HTML page",
            content = @Content(mediaType = MediaType.TEXT_HTML))
    @APIResponse(responseCode = "401", ref = ApiDocumentation.UNAUTHORIZED)
    @APIResponse(responseCode = "403", ref = ApiDocumentation.FORBIDDEN)
    public CompletionStage<String> page(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return partitions.fleet(authorization).thenApply(this::render);
    }

    String render(List<PartitionStatus> rows) {
        FleetDirectory.Owners owners = directory.owners();
        Map<String, Integer> byStatus = new TreeMap<>();
        rows.forEach(row -> byStatus.merge(row.status(), 1, Integer::sum));
        long lag = rows.stream()
                .mapToLong(row -> row.lag() == null ? 0 : row.lag())
                .sum();
        StringBuilder html = new StringBuilder(4096);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"")
                .append(REFRESH_SECONDS)
                .append("\"><title>login-state: ")
                .append(escape(config.topic()))
                .append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;")
                .append("text-align:right}th{background:#f4f4f4}td.text,th.text{text-align:left}")
                .append(".ACTIVE{color:#176b2c}.RESTORING{color:#8a5a00}.UNOWNED,.UNREACHABLE,.FAILED{color:#b00020}")
                .append("</style></head><body>\n");
        html.append("<h1>login-state</h1>\n<p id=\"summary\">Topic <b>")
                .append(escape(config.topic()))
                .append("</b>, ")
                .append(rows.size())
                .append(" partitions: ");
        boolean first = true;
        for (Map.Entry<String, Integer> entry : byStatus.entrySet()) {
            html.append(first ? "" : ", ")
                    .append(entry.getValue())
                    .append(' ')
                    .append(escape(entry.getKey().toLowerCase(Locale.ROOT)));
            first = false;
        }
        html.append("; total lag ")
                .append(lag)
                .append(" records. Served by <b id=\"instance\">")
                .append(escape(self.id()))
                .append("</b>; group generation ")
                .append(owners.generation())
                .append(owners.generation() < 0 ? "" : ", assigned " + ago(owners.at()))
                .append(". Refreshes every ")
                .append(REFRESH_SECONDS)
                .append(" s.</p>\n");
        html.append("<table id=\"partitions\"><thead><tr>")
                .append("<th>Partition</th><th class=\"text\">Owner</th><th class=\"text\">Status</th>")
                .append("<th>Next offset</th><th>End offset</th><th>Lag</th><th>Last checkpoint</th>")
                .append("</tr></thead><tbody>\n");
        for (PartitionStatus row : rows) {
            html.append("<tr data-partition=\"")
                    .append(row.partition())
                    .append("\"><td>")
                    .append(row.partition())
                    .append("</td><td class=\"text\">");
            if (row.owner() == null) {
                html.append("&mdash;");
            } else if (row.ownerUrl() != null && row.ownerUrl().matches("https?://.*")) {
                html.append("<a href=\"")
                        .append(escape(row.ownerUrl()))
                        .append("/\">")
                        .append(escape(row.owner()))
                        .append("</a>");
            } else {
                html.append(escape(row.owner()));
            }
            html.append("</td><td class=\"text ")
                    .append(escape(row.status()))
                    .append("\">")
                    .append(escape(row.status().toLowerCase(Locale.ROOT)))
                    .append("</td><td>")
                    .append(number(row.nextOffset()))
                    .append("</td><td>")
                    .append(number(row.endOffset()))
                    .append("</td><td>")
                    .append(number(row.lag()))
                    .append("</td><td>")
                    .append(row.lastCheckpointAgeMs() == null ? "&mdash;" : age(row.lastCheckpointAgeMs()) + " ago")
                    .append("</td></tr>\n");
        }
        html.append("</tbody></table>\n<p>JSON: <a href=\"/partitions\">/partitions</a>, health: ")
                .append("<a href=\"/q/health\">/q/health</a>, metrics: <a href=\"/q/metrics\">/q/metrics</a>.</p>\n")
                .append("</body></html>\n");
        return html.toString();
    }

    private static String number(Long value) {
        return value == null ? "&mdash;" : Long.toString(value);
    }

    private static String ago(Instant at) {
        return age(Math.max(0, Duration.between(at, Instant.now()).toMillis())) + " ago";
    }

    private static String age(long millis) {
        if (millis < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        if (millis < 600_000) {
            return (millis / 1000) + " s";
        }
        return (millis / 60_000) + " min";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
