package dev.artifacts.storage.mem;

import dev.artifacts.conformance.EngineConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link EngineConformance} suite against {@link InMemoryStorage}. */
class InMemoryEngineConformanceTest extends EngineConformance {
  @Override
  protected StorageFixture fixture() {
    return StorageFixture.of(InMemoryStorage::new);
  }
}
