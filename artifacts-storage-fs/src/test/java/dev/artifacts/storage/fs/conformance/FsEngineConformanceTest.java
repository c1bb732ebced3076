package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.EngineConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link EngineConformance} suite against the filesystem backend. */
class FsEngineConformanceTest extends EngineConformance {
  @Override
  protected StorageFixture fixture() {
    return FsFixture.create();
  }
}
