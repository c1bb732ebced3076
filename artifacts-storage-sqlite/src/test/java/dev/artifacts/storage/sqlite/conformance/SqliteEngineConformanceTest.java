package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.EngineConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link EngineConformance} suite against the SQLite backend. */
class SqliteEngineConformanceTest extends EngineConformance {
  @Override
  protected StorageFixture fixture() {
    return SqliteFixture.create();
  }
}
