package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.RepositoryIds;

/**
 * The durable record of a fork ({@code artifacts/fork}): its parent and its read-only flag. Only
 * forks have one; it is written once, when the fork is created, and never changes.
 *
 * <pre>
 * artifacts-fork v1
 * parent TAB &lt;parent id&gt;
 * readOnly TAB true|false
 * crc32 &lt;hex&gt;
 * </pre>
 */
public record ForkRecord(String parentId, boolean readOnly) {
  static final String FORMAT = "artifacts-fork v1";

  public ForkRecord {
    RepositoryIds.requireValid(parentId);
  }

  public byte[] serialize() {
    return SealedText.seal(
        FORMAT + "\nparent\t" + parentId + "\nreadOnly\t" + readOnly + "\n");
  }

  public static ForkRecord parse(byte[] data) throws SealedText.CorruptFileException {
    String[] lines = SealedText.open(data, FORMAT);
    String parent = null;
    Boolean readOnly = null;
    for (String line : lines) {
      String[] f = line.split("\t", -1);
      if (f.length == 2 && f[0].equals("parent") && parent == null) {
        parent = f[1];
      } else if (f.length == 2 && f[0].equals("readOnly") && readOnly == null
          && (f[1].equals("true") || f[1].equals("false"))) {
        readOnly = Boolean.valueOf(f[1]);
      } else {
        throw new SealedText.CorruptFileException("bad fork record line: " + line);
      }
    }
    if (parent == null || readOnly == null || !RepositoryIds.isValid(parent)) {
      throw new SealedText.CorruptFileException("incomplete fork record");
    }
    return new ForkRecord(parent, readOnly);
  }
}
