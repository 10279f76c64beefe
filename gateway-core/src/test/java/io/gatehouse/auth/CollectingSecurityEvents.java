package io.gatehouse.auth;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every published event for assertions. Thread-safe. */
final class CollectingSecurityEvents implements SecurityEvents {

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void publish(SecurityEvent event) {
        events.add(event);
    }

    List<SecurityEvent.Type> types() {
        return events.stream().map(SecurityEvent::type).toList();
    }
}
