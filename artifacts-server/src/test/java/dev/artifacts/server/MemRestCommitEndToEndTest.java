package dev.artifacts.server;

class MemRestCommitEndToEndTest extends RestCommitEndToEndTestBase {
  @Override
  String backend() {
    return "mem";
  }
}
