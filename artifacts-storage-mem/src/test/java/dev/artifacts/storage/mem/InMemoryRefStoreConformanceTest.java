package dev.artifacts.storage.mem;

import dev.artifacts.conformance.RefStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link RefStoreConformance} suite against {@link InMemoryStorage}. */
class InMemoryRefStoreConformanceTest extends RefStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return StorageFixture.of(InMemoryStorage::new);
  }
}
