package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.ObjectStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ObjectStoreConformance} suite against the filesystem backend. */
class FsObjectStoreConformanceTest extends ObjectStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return FsFixture.create();
  }
}
