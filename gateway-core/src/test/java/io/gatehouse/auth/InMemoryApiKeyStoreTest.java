package io.gatehouse.auth;

class InMemoryApiKeyStoreTest extends ApiKeyStoreContract {

    @Override
    protected ApiKeyStore newStore() {
        return new InMemoryApiKeyStore();
    }
}
