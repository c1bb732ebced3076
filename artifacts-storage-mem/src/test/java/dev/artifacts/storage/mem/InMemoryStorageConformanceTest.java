package dev.artifacts.storage.mem;

import dev.artifacts.conformance.StorageConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link StorageConformance} suite against {@link InMemoryStorage}. */
class InMemoryStorageConformanceTest extends StorageConformance {
  @Override
  protected StorageFixture fixture() {
    return StorageFixture.of(InMemoryStorage::new);
  }
}
