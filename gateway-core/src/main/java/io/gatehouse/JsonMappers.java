package io.gatehouse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where the gateway's JSON and YAML mappers recycle their buffers: in a pool of the gateway's
 * own, never in the thread locals Jackson uses by default. A container's threads outlive a web
 * application, and a buffer of the application's Jackson classes left in each of them would keep
 * the application's class loader from being collected after an undeploy. Internal to the
 * gateway's modules; not an API.
 *
 * <p>Thread-safe.
 */
public final class JsonMappers {

    private static final RecyclerPool<BufferRecycler> POOL =
            JsonRecyclerPools.newConcurrentDequePool();

    private JsonMappers() {
    }

    /** The buffer pool every factory of the gateway uses; pass it to a factory builder. */
    public static RecyclerPool<BufferRecycler> recyclerPool() {
        return POOL;
    }

    /** A new JSON mapper with Jackson's defaults, recycling buffers in the gateway's pool. */
    public static ObjectMapper newMapper() {
        return new ObjectMapper(JsonFactory.builder().recyclerPool(POOL).build());
    }
}
