package io.loginstate.bench.throughput.service;

import io.loginstate.bench.throughput.query.QueryLoad;
import java.util.List;
import java.util.Map;

/**
 * One run of the packaged service over the whole topic.
 *
 * @param label      short name, used for the log file and the summary
 * @param properties service settings beyond the broker, a fresh state directory and a new group
 * @param jvmOptions options of the service's JVM (the heap bound)
 * @param queryLoad  a query load to run while the service ingests, or null
 */
public record RunPlan(
        String label, Map<String, String> properties, List<String> jvmOptions, QueryLoad.Settings queryLoad) {}
