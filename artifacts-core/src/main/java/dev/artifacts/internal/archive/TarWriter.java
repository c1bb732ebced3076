package dev.artifacts.internal.archive;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A streaming POSIX tar writer (ustar, with pax extended headers for names and link targets that
 * do not fit and for sizes of 8 GiB and more), like {@code git archive}: owner root, modes 0664
 * for files, 0775 for executables and directories, 0777 for symlinks, an optional pax global
 * header whose comment is the commit id, and the archive padded to 10240-byte records. Wrap the
 * output in a {@link java.util.zip.GZIPOutputStream} for {@code .tar.gz}.
 */
public final class TarWriter implements ArchiveWriter {
  private static final int BLOCK = 512;
  private static final int RECORD = 10240;
  private static final long MAX_OCTAL_SIZE = 077777777777L;

  private final CountingOutputStream out;
  private final long mtime;
  private final byte[] buf = new byte[64 * 1024];
  private boolean finished;

  /**
   * @param out where the archive goes; not closed
   * @param mtimeSeconds the modification time of every entry, seconds since the epoch
   * @param commentCommitId written as the comment of a pax global header (as git does), or null
   */
  public TarWriter(OutputStream out, long mtimeSeconds, String commentCommitId) throws IOException {
    this.out = new CountingOutputStream(new BufferedOutputStream(out, 64 * 1024));
    this.mtime = Math.max(0, mtimeSeconds);
    if (commentCommitId != null) {
      byte[] pax = paxRecord("comment", commentCommitId.getBytes(StandardCharsets.UTF_8));
      header("pax_global_header", 0666, pax.length, 'g', null);
      out(pax, pax.length);
    }
  }

  @Override
  public void directory(String path) throws IOException {
    entry(path + "/", 0775, 0, '5', null);
  }

  @Override
  public void symlink(String path, byte[] target) throws IOException {
    entry(path, 0777, 0, '2', target);
  }

  @Override
  public void file(String path, boolean executable, long size, InputStream content) throws IOException {
    entry(path, executable ? 0775 : 0664, size, '0', null);
    long remaining = size;
    while (remaining > 0) {
      int n = content.read(buf, 0, (int) Math.min(buf.length, remaining));
      if (n < 0) {
        throw new EOFException("content of " + path + " ended " + remaining + " bytes early");
      }
      out.write(buf, 0, n);
      remaining -= n;
    }
    if (content.read() != -1) {
      throw new IOException("content of " + path + " is longer than " + size + " bytes");
    }
    pad();
  }

  private void entry(String path, int mode, long size, char type, byte[] linkTarget) throws IOException {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream pax = new ByteArrayOutputStream();
    String[] split = split(name);
    if (split == null) {
      pax.write(paxRecord("path", name));
    }
    if (linkTarget != null && linkTarget.length > 100) {
      pax.write(paxRecord("linkpath", linkTarget));
    }
    if (size > MAX_OCTAL_SIZE) {
      pax.write(paxRecord("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII)));
    }
    if (pax.size() > 0) {
      byte[] records = pax.toByteArray();
      header(paxName(name), 0666, records.length, 'x', null);
      out(records, records.length);
    }
    byte[] prefix = null;
    byte[] shortName = name;
    if (split != null && !split[0].isEmpty()) {
      prefix = split[0].getBytes(StandardCharsets.UTF_8);
      shortName = split[1].getBytes(StandardCharsets.UTF_8);
    } else if (split == null) {
      shortName = Arrays.copyOf(name, 100);
    }
    writeHeader(prefix, shortName, mode, size > MAX_OCTAL_SIZE ? 0 : size, type,
        linkTarget == null ? null : Arrays.copyOf(linkTarget, Math.min(100, linkTarget.length)));
  }

  /** @return {prefix, name} fitting ustar, prefix possibly empty; null when it cannot fit */
  private static String[] split(byte[] name) {
    if (name.length <= 100) {
      return new String[] {"", new String(name, StandardCharsets.UTF_8)};
    }
    // split at a '/' so that prefix <= 155 bytes and name <= 100 bytes
    for (int i = Math.min(name.length - 1, 155); i > 0; i--) {
      if (name[i] == '/' && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
        return new String[] {
          new String(name, 0, i, StandardCharsets.UTF_8), new String(name, i + 1, name.length - i - 1, StandardCharsets.UTF_8)
        };
      }
    }
    return null;
  }

  private static String paxName(byte[] name) {
    return "PaxHeaders/" + Integer.toHexString(Arrays.hashCode(name));
  }

  private void header(String name, int mode, long size, char type, byte[] link) throws IOException {
    writeHeader(null, name.getBytes(StandardCharsets.UTF_8), mode, size, type, link);
  }

  private void writeHeader(byte[] prefix, byte[] name, int mode, long size, char type, byte[] link)
      throws IOException {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    if (link != null) {
      System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
    }
    byte[] magic = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
    System.arraycopy(magic, 0, h, 257, 8);
    byte[] root = "root".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(root, 0, h, 265, root.length);
    System.arraycopy(root, 0, h, 297, root.length);
    if (prefix != null) {
      System.arraycopy(prefix, 0, h, 345, Math.min(155, prefix.length));
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xFF;
    }
    byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(chk, 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    out.write(h);
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    int digits = len - 1;
    StringBuilder sb = new StringBuilder();
    for (int i = s.length(); i < digits; i++) {
      sb.append('0');
    }
    sb.append(s);
    byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, digits);
    h[off + digits] = 0;
  }

  /** One pax record: {@code "LEN key=value\n"} where LEN counts the whole record. */
  static byte[] paxRecord(String key, byte[] value) {
    int base = key.length() + value.length + 3; // ' ', '=', '\n'
    int len = base + Integer.toString(base).length();
    if (Integer.toString(len).length() != Integer.toString(base).length()) {
      len = base + Integer.toString(len).length();
    }
    ByteArrayOutputStream r = new ByteArrayOutputStream(len);
    r.writeBytes((len + " " + key + "=").getBytes(StandardCharsets.UTF_8));
    r.writeBytes(value);
    r.write('\n');
    return r.toByteArray();
  }

  private void out(byte[] data, int len) throws IOException {
    out.write(data, 0, len);
    pad();
  }

  private void pad() throws IOException {
    int rem = (int) (out.count() % BLOCK);
    if (rem != 0) {
      out.write(new byte[BLOCK - rem]);
    }
  }

  /** Nothing to release: a tar writer holds no native or temporary resources. */
  @Override
  public void abandon() {}

  @Override
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    out.write(new byte[2 * BLOCK]);
    int rem = (int) (out.count() % RECORD);
    if (rem != 0) {
      out.write(new byte[RECORD - rem]);
    }
    out.flush();
  }
}
