package dev.artifacts.server;

class FsRestCommitEndToEndTest extends RestCommitEndToEndTestBase {
  @Override
  String backend() {
    return "fs";
  }
}
