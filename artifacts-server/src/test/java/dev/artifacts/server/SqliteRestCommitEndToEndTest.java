package dev.artifacts.server;

class SqliteRestCommitEndToEndTest extends RestCommitEndToEndTestBase {
  @Override
  String backend() {
    return "sqlite";
  }
}
