package dev.artifacts.server;

class FsForkEndToEndTest extends ForkEndToEndTestBase {
  @Override
  protected String storage() {
    return "fs";
  }
}
