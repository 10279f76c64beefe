package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ApiKeyStore} must do. A backend's test extends this class and returns a new,
 * empty store from {@link #newStore()}; shipped in core's test-jar for the Redis store.
 */
public abstract class ApiKeyStoreContract {

    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    private ApiKeyStore store;

    /** A new, empty store. */
    protected abstract ApiKeyStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    /** A record whose hash is derived from {@code seed}, never a real key. */
    protected static ApiKeyRecord record(String keyId, int seed) {
        byte[] hash = new byte[32];
        hash[0] = (byte) seed;
        hash[31] = (byte) (seed >> 8);
        return new ApiKeyRecord(keyId, HexFormat.of().formatHex(hash), "sk_live_...ab" + seed,
                "owner-" + seed, "premium", Set.of("user"), Set.of("invoke"), CREATED, null,
                null, null, null, List.of(), List.of());
    }

    @Test
    public void savedRecordIsFoundByHashAndById() {
        ApiKeyRecord record = record("kid_a", 1);

        store.save(record);

        assertThat(store.findByHash(record.hash())).contains(record);
        assertThat(store.findById("kid_a")).contains(record);
        assertThat(store.findByHash(record("kid_x", 2).hash())).isEmpty();
        assertThat(store.findById("kid_x")).isEmpty();
    }

    @Test
    public void everyFieldRoundTrips() {
        ApiKeyRecord full = new ApiKeyRecord("kid_full", record("x", 7).hash(), "****", "alice",
                "enterprise", Set.of("admin", "user"), Set.of("keys:write", "invoke"), CREATED,
                CREATED.plusSeconds(3600), CREATED.plusSeconds(60), CREATED.plusSeconds(120),
                "kid_next", List.of("10.0.0.0/8", "2001:db8::/32"), List.of("10.1.0.0/16"));

        store.save(full);

        assertThat(store.findById("kid_full")).contains(full);
        assertThat(store.findByHash(full.hash())).contains(full);
    }

    @Test
    public void saveReplacesTheRecordWithTheSameKeyId() {
        ApiKeyRecord record = record("kid_a", 1);
        store.save(record);
        ApiKeyRecord revoked = record.withRevokedAt(CREATED.plusSeconds(5));

        store.save(revoked);

        assertThat(store.findById("kid_a")).contains(revoked);
        assertThat(store.findByHash(record.hash())).contains(revoked);
        assertThat(store.list()).containsExactly(revoked);
    }

    @Test
    public void anotherKeyIdWithTheSameHashIsRefused() {
        store.save(record("kid_a", 1));
        ApiKeyRecord clash = new ApiKeyRecord("kid_b", record("kid_a", 1).hash(), "****", "eve",
                "free", Set.of(), Set.of(), CREATED, null, null, null, null, List.of(), List.of());

        assertThatThrownBy(() -> store.save(clash)).isInstanceOf(IllegalStateException.class);
        assertThat(store.findById("kid_b")).isEmpty();
        assertThat(store.findByHash(clash.hash()).orElseThrow().keyId()).isEqualTo("kid_a");
    }

    @Test
    public void listReturnsEveryRecordInKeyIdOrder() {
        store.save(record("kid_c", 3));
        store.save(record("kid_a", 1));
        store.save(record("kid_b", 2));

        assertThat(store.list()).extracting(ApiKeyRecord::keyId)
                .containsExactly("kid_a", "kid_b", "kid_c");
    }

    @Test
    public void recordUseSetsLastUsedAndIgnoresUnknownKeys() {
        store.save(record("kid_a", 1));

        store.recordUse("kid_a", CREATED.plusSeconds(30));
        store.recordUse("kid_unknown", CREATED.plusSeconds(30));

        assertThat(store.findById("kid_a").orElseThrow().lastUsedAt())
                .isEqualTo(CREATED.plusSeconds(30));
        assertThat(store.findById("kid_unknown")).isEmpty();
    }

    @Test
    public void revokedAndExpiredRecordsAreStillFound() {
        ApiKeyRecord revoked = record("kid_r", 1).withRevokedAt(CREATED);
        ApiKeyRecord expired = record("kid_e", 2).withExpiresAt(CREATED);
        store.save(revoked);
        store.save(expired);

        assertThat(store.findByHash(revoked.hash())).contains(revoked);
        assertThat(store.findByHash(expired.hash())).contains(expired);
    }

    @Test
    public void concurrentSavesOfDifferentKeysAreAllKept() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> saves = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ApiKeyRecord record = record(String.format("kid_%03d", i), i + 1);
                saves.add(pool.submit(() -> store.save(record)));
            }
            for (Future<?> save : saves) {
                save.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(store.list()).hasSize(64);
        for (int i = 0; i < 64; i++) {
            assertThat(store.findByHash(record("x", i + 1).hash())).isPresent();
        }
    }
}
