package dev.artifacts.storage.mem;

import dev.artifacts.conformance.ModelConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ModelConformance} suite against {@link InMemoryStorage}. */
class InMemoryModelConformanceTest extends ModelConformance {
  @Override
  protected StorageFixture fixture() {
    return StorageFixture.of(InMemoryStorage::new);
  }
}
