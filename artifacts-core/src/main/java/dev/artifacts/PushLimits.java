package dev.artifacts;

/**
 * Limits every push is checked against before any ref moves.
 *
 * @param maxPackBytes largest pack a push may send, in bytes; 0 for no limit
 * @param maxObjectBytes largest single object (inflated size) a push may contain, in bytes; 0
 *     for no limit
 */
public record PushLimits(long maxPackBytes, long maxObjectBytes) {
  /** 2 GiB packs, 100 MiB objects. */
  public static final PushLimits DEFAULT = new PushLimits(2L << 30, 100L << 20);

  public PushLimits {
    if (maxPackBytes < 0 || maxObjectBytes < 0) {
      throw new IllegalArgumentException("limits must be >= 0 (0 means unlimited)");
    }
  }
}
