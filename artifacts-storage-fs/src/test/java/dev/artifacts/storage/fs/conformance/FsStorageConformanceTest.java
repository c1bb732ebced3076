package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.StorageConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link StorageConformance} suite against the filesystem backend. */
class FsStorageConformanceTest extends StorageConformance {
  @Override
  protected StorageFixture fixture() {
    return FsFixture.create();
  }
}
