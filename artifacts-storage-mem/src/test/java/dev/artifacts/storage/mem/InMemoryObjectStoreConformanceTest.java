package dev.artifacts.storage.mem;

import dev.artifacts.conformance.ObjectStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ObjectStoreConformance} suite against {@link InMemoryStorage}. */
class InMemoryObjectStoreConformanceTest extends ObjectStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return StorageFixture.of(InMemoryStorage::new);
  }
}
