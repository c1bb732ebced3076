package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.ModelConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ModelConformance} suite against the filesystem backend. */
class FsModelConformanceTest extends ModelConformance {
  @Override
  protected StorageFixture fixture() {
    return FsFixture.create();
  }
}
