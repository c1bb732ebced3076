package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.RefStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link RefStoreConformance} suite against the filesystem backend. */
class FsRefStoreConformanceTest extends RefStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return FsFixture.create();
  }
}
