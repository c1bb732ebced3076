package dev.artifacts.conformance;

/**
 * Optional behaviour a backend may declare through {@link StorageFixture#capabilities()}.
 *
 * <p>Everything the SPI Javadoc requires of every backend is tested unconditionally. A capability
 * covers behaviour the SPI leaves to the backend; a test that needs an undeclared capability is
 * reported as skipped, naming the capability, so a backend's test report shows exactly which
 * contracts were not exercised.
 */
public enum Capability {

  /**
   * State survives {@link dev.artifacts.spi.Storage#close()} followed by {@link
   * StorageFixture#reopen}: a reopened storage holds exactly the repositories, refs, committed
   * packs (byte for byte, descriptors unchanged), forks and tokens that were there at close, and
   * nothing that was written but not committed.
   */
  REOPEN("state survives close() and StorageFixture.reopen(...)");

  private final String description;

  Capability(String description) {
    this.description = description;
  }

  /** @return what declaring the capability promises, in a few words */
  public String description() {
    return description;
  }
}
