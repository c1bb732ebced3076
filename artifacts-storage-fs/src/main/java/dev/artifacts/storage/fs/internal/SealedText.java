package dev.artifacts.storage.fs.internal;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The envelope of every metadata file this backend writes: a first line naming the format, body
 * lines, and a last line {@code crc32 <hex>} over everything before it. Files are replaced
 * atomically, so the checksum only catches damage from outside (a truncated copy, a bad disk,
 * a hand edit), which is then reported instead of silently read.
 */
public final class SealedText {
  private SealedText() {}

  /** Thrown when a file is not a complete, intact file of the expected format. */
  public static final class CorruptFileException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptFileException(String message) {
      super(message);
    }
  }

  /** @return {@code body} (lines ending in {@code \n}, first line the format) plus checksum */
  public static byte[] seal(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    String trailer = "crc32 " + String.format("%08x", crc.getValue()) + "\n";
    byte[] t = trailer.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[bytes.length + t.length];
    System.arraycopy(bytes, 0, out, 0, bytes.length);
    System.arraycopy(t, 0, out, bytes.length, t.length);
    return out;
  }

  /**
   * Checks the format line and checksum.
   *
   * @return the body lines after the format line (without trailing newlines)
   */
  public static String[] open(byte[] data, String formatLine) throws CorruptFileException {
    int end = data.length;
    if (end == 0 || data[end - 1] != '\n') {
      throw new CorruptFileException("truncated (no final newline)");
    }
    int lastStart = end - 1;
    while (lastStart > 0 && data[lastStart - 1] != '\n') {
      lastStart--;
    }
    String trailer = new String(data, lastStart, end - 1 - lastStart, StandardCharsets.US_ASCII);
    if (!trailer.startsWith("crc32 ")) {
      throw new CorruptFileException("missing checksum line");
    }
    CRC32 crc = new CRC32();
    crc.update(data, 0, lastStart);
    String expected = String.format("%08x", crc.getValue());
    if (!trailer.substring(6).equals(expected)) {
      throw new CorruptFileException("checksum mismatch");
    }
    String body = new String(data, 0, lastStart, StandardCharsets.UTF_8);
    String[] lines = body.split("\n", -1);
    // body ends with '\n', so the last element is empty
    if (lines.length < 2 || !lines[0].equals(formatLine)) {
      throw new CorruptFileException("unknown format (expected '" + formatLine + "')");
    }
    String[] out = new String[lines.length - 2];
    System.arraycopy(lines, 1, out, 0, out.length);
    return out;
  }
}
