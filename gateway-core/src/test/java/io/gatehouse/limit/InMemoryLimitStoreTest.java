package io.gatehouse.limit;

/** The in-memory store passes the contract every store passes. */
class InMemoryLimitStoreTest extends LimitStoreContract {
    @Override
    protected LimitStore createStore(FakeMicroClock clock) {
        return LimitStores.inMemory(clock);
    }
}
