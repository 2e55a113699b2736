package io.loginstate.state.ttl;

import io.loginstate.state.api.TtlConfig;

/**
 * What a TTL decorator is made with.
 *
 * @param readOnly      for queries on other threads: filters like the others but never writes
 * @param fallbackStamp the stamp of values written while TTL was off (when it was switched on)
 */
record TtlStateSpec(String stateName, TtlConfig config, TtlContext context, boolean readOnly, long fallbackStamp) {}
