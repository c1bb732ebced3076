package dev.artifacts.internal.archive;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A streaming ZIP writer (APPNOTE 6.3): files up to {@link #BUFFERED_LIMIT} bytes are deflated in
 * memory and stored instead when deflating does not make them smaller; larger files are deflated
 * on the fly with a data descriptor. Unix modes go into the external attributes (creator "Unix"),
 * symlinks are stored entries holding their target, names are UTF-8 (flag bit 11 when not
 * ASCII). ZIP64 records are written when an entry, the offsets or the number of entries need
 * them. The central directory is kept as its final bytes, in memory up to {@link
 * #CENTRAL_IN_MEMORY} bytes and in a temporary file beyond, so memory stays bounded.
 */
public final class ZipWriter implements ArchiveWriter {
  static final int BUFFERED_LIMIT = 1 << 20;
  static final int CENTRAL_IN_MEMORY = 4 << 20;
  private static final long MAX32 = 0xFFFFFFFFL;
  /** Streamed entries at least this large get ZIP64 sizes: deflate may grow data a little. */
  private static final long STREAM_ZIP64_FROM = 0xFFFFFFFFL - (64L << 20);

  private final CountingOutputStream out;
  private final int level;
  private final long mtimeSeconds;
  private final int dosTime;
  private final int dosDate;
  private final String comment;
  private final boolean forceZip64;
  private final byte[] buf = new byte[64 * 1024];
  private final CRC32 crc = new CRC32();
  private final Deflater deflater;
  private final Central central = new Central();
  private long entries;
  private boolean finished;

  /**
   * @param out where the archive goes; not closed
   * @param mtimeSeconds the modification time of every entry, seconds since the epoch
   * @param comment the archive comment (for example the commit id), or null
   */
  public ZipWriter(OutputStream out, long mtimeSeconds, String comment) {
    this(out, mtimeSeconds, comment, Deflater.DEFAULT_COMPRESSION, false);
  }

  ZipWriter(OutputStream out, long mtimeSeconds, String comment, int level, boolean forceZip64) {
    this.out = new CountingOutputStream(new BufferedOutputStream(out, 64 * 1024));
    this.level = level;
    this.mtimeSeconds = mtimeSeconds;
    LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(Math.max(mtimeSeconds, 315532800L)), ZoneOffset.UTC);
    this.dosTime = (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
    this.dosDate = ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
    this.comment = comment;
    this.forceZip64 = forceZip64;
    this.deflater = new Deflater(level, true);
  }

  @Override
  public void directory(String path) throws IOException {
    writeKnown(path + "/", 0040755, 0x10, new byte[0], 0, 0, false);
  }

  @Override
  public void symlink(String path, byte[] target) throws IOException {
    crc.reset();
    crc.update(target);
    writeKnown(path, 0120777, 0, target, target.length, crc.getValue(), false);
  }

  @Override
  public void file(String path, boolean executable, long size, InputStream content) throws IOException {
    int mode = executable ? 0100755 : 0100644;
    if (size <= BUFFERED_LIMIT) {
      byte[] data = content.readNBytes((int) size);
      if (data.length != size || content.read() != -1) {
        throw new IOException("content of " + path + " is not " + size + " bytes long");
      }
      crc.reset();
      crc.update(data);
      writeKnown(path, mode, 0, data, data.length, crc.getValue(), true);
    } else {
      writeStreamed(path, mode, size, content);
    }
  }

  /** An entry whose bytes are all known: sizes and CRC go into the local header. */
  private void writeKnown(String path, int mode, int dosAttr, byte[] data, int len, long crcValue, boolean tryDeflate)
      throws IOException {
    byte[] body = data;
    int bodyLen = len;
    int method = 0;
    if (tryDeflate && len > 0) {
      byte[] deflated = deflate(data, len);
      if (deflated != null) {
        body = deflated;
        bodyLen = deflated.length;
        method = 8;
      }
    }
    long offset = out.count();
    boolean zip64 = forceZip64 || offset >= MAX32;
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    writeLocalHeader(name, method, 0, crcValue, bodyLen, len, forceZip64);
    out.write(body, 0, bodyLen);
    central.add(name, method, 0, crcValue, bodyLen, len, offset, mode, dosAttr, zip64);
  }

  /** @return the deflated bytes, or null when they are not smaller than the input */
  private byte[] deflate(byte[] data, int len) {
    deflater.reset();
    deflater.setInput(data, 0, len);
    deflater.finish();
    ByteArrayOutputStream bos = new ByteArrayOutputStream(Math.min(len, 64 * 1024));
    while (!deflater.finished()) {
      int n = deflater.deflate(buf);
      bos.write(buf, 0, n);
      if (bos.size() >= len) {
        return null;
      }
    }
    return bos.toByteArray();
  }

  private void writeStreamed(String path, int mode, long size, InputStream content) throws IOException {
    long offset = out.count();
    boolean zip64Sizes = forceZip64 || size >= STREAM_ZIP64_FROM;
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    writeLocalHeader(name, 8, 0x08, 0, 0, 0, zip64Sizes);
    long dataStart = out.count();
    crc.reset();
    deflater.reset();
    long remaining = size;
    byte[] in = new byte[64 * 1024];
    while (remaining > 0) {
      int n = content.read(in, 0, (int) Math.min(in.length, remaining));
      if (n < 0) {
        throw new EOFException("content of " + path + " ended " + remaining + " bytes early");
      }
      crc.update(in, 0, n);
      remaining -= n;
      deflater.setInput(in, 0, n);
      while (!deflater.needsInput()) {
        int d = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
        out.write(buf, 0, d);
      }
    }
    if (content.read() != -1) {
      throw new IOException("content of " + path + " is longer than " + size + " bytes");
    }
    deflater.finish();
    while (!deflater.finished()) {
      int d = deflater.deflate(buf);
      out.write(buf, 0, d);
    }
    long csize = out.count() - dataStart;
    long crcValue = crc.getValue();
    if (!zip64Sizes && (csize >= MAX32 || size >= MAX32)) {
      throw new IOException("entry " + path + " outgrew a 32-bit data descriptor");
    }
    le32(0x08074b50);
    le32((int) crcValue);
    if (zip64Sizes) {
      le64(csize);
      le64(size);
    } else {
      le32((int) csize);
      le32((int) size);
    }
    central.add(name, 8, 0x08, crcValue, csize, size, offset, mode, 0, zip64Sizes || offset >= MAX32);
  }

  private void writeLocalHeader(byte[] name, int method, int flags, long crcValue, long csize, long usize, boolean zip64)
      throws IOException {
    le32(0x04034b50);
    le16(zip64 ? 45 : 20);
    le16(flags | utf8Flag(name));
    le16(method);
    le16(dosTime);
    le16(dosDate);
    le32((int) crcValue);
    le32(zip64 ? (int) MAX32 : (int) csize);
    le32(zip64 ? (int) MAX32 : (int) usize);
    le16(name.length);
    le16((zip64 ? 20 : 0) + 9);
    out.write(name);
    if (zip64) {
      le16(0x0001);
      le16(16);
      le64(usize);
      le64(csize);
    }
    extendedTimestamp(out);
  }

  private void extendedTimestamp(OutputStream to) throws IOException {
    writeLe(to, 0x5455, 2);
    writeLe(to, 5, 2);
    to.write(1);
    writeLe(to, mtimeSeconds, 4);
  }

  private static int utf8Flag(byte[] name) {
    for (byte b : name) {
      if (b < 0) {
        return 0x0800;
      }
    }
    return 0;
  }

  @Override
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    try {
      writeCentralAndEnd();
    } finally {
      abandon();
    }
  }

  private void writeCentralAndEnd() throws IOException {
    long cdOffset = out.count();
    central.copyTo(out);
    long cdSize = out.count() - cdOffset;
    boolean zip64 = forceZip64 || entries >= 0xFFFF || cdOffset >= MAX32 || cdSize >= MAX32;
    if (zip64) {
      long eocd64 = out.count();
      le32(0x06064b50);
      le64(44);
      le16(0x0300 | 45);
      le16(45);
      le32(0);
      le32(0);
      le64(entries);
      le64(entries);
      le64(cdSize);
      le64(cdOffset);
      le32(0x07064b50);
      le32(0);
      le64(eocd64);
      le32(1);
    }
    byte[] commentBytes = comment == null ? new byte[0] : comment.getBytes(StandardCharsets.UTF_8);
    le32(0x06054b50);
    le16(0);
    le16(0);
    le16(zip64 ? 0xFFFF : (int) entries);
    le16(zip64 ? 0xFFFF : (int) entries);
    le32(zip64 ? (int) MAX32 : (int) cdSize);
    le32(zip64 ? (int) MAX32 : (int) cdOffset);
    le16(commentBytes.length);
    out.write(commentBytes);
    out.flush();
  }

  private void le16(int v) throws IOException {
    writeLe(out, v, 2);
  }

  private void le32(int v) throws IOException {
    writeLe(out, v & MAX32, 4);
  }

  private void le64(long v) throws IOException {
    writeLe(out, v, 8);
  }

  private static void writeLe(OutputStream to, long v, int bytes) throws IOException {
    for (int i = 0; i < bytes; i++) {
      to.write((int) (v >>> (8 * i)) & 0xFF);
    }
  }

  /** The central directory, as its final bytes; spills to a temporary file when large. */
  private final class Central {
    private final ByteArrayOutputStream mem = new ByteArrayOutputStream();
    private Path file;
    private OutputStream fileOut;

    void add(byte[] name, int method, int flags, long crcValue, long csize, long usize, long offset,
        int mode, int dosAttr, boolean zip64) throws IOException {
      entries++;
      boolean bigU = zip64 || usize >= MAX32;
      boolean bigC = zip64 || csize >= MAX32;
      boolean bigO = zip64 || offset >= MAX32;
      int zip64Len = (bigU ? 8 : 0) + (bigC ? 8 : 0) + (bigO ? 8 : 0);
      ByteArrayOutputStream e = new ByteArrayOutputStream(46 + name.length + 32);
      int needed = zip64Len > 0 ? 45 : 20;
      writeLe(e, 0x02014b50, 4);
      writeLe(e, 0x0300 | needed, 2);
      writeLe(e, needed, 2);
      writeLe(e, flags | utf8Flag(name), 2);
      writeLe(e, method, 2);
      writeLe(e, dosTime, 2);
      writeLe(e, dosDate, 2);
      writeLe(e, crcValue, 4);
      writeLe(e, bigC ? MAX32 : csize, 4);
      writeLe(e, bigU ? MAX32 : usize, 4);
      writeLe(e, name.length, 2);
      writeLe(e, (zip64Len > 0 ? 4 + zip64Len : 0) + 9, 2);
      writeLe(e, 0, 2);
      writeLe(e, 0, 2);
      writeLe(e, 0, 2);
      writeLe(e, (((long) mode) << 16) | dosAttr, 4);
      writeLe(e, bigO ? MAX32 : offset, 4);
      e.write(name);
      if (zip64Len > 0) {
        writeLe(e, 0x0001, 2);
        writeLe(e, zip64Len, 2);
        if (bigU) {
          writeLe(e, usize, 8);
        }
        if (bigC) {
          writeLe(e, csize, 8);
        }
        if (bigO) {
          writeLe(e, offset, 8);
        }
      }
      extendedTimestamp(e);
      if (fileOut == null && mem.size() + e.size() > CENTRAL_IN_MEMORY) {
        file = Files.createTempFile("artifacts-zip-central", ".bin");
        fileOut = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        mem.writeTo(fileOut);
        mem.reset();
      }
      e.writeTo(fileOut != null ? fileOut : mem);
    }

    void copyTo(OutputStream to) throws IOException {
      if (fileOut == null) {
        mem.writeTo(to);
        return;
      }
      fileOut.close();
      try (InputStream in = Files.newInputStream(file)) {
        in.transferTo(to);
      }
    }

    void close() {
      if (file != null) {
        try {
          if (fileOut != null) {
            fileOut.close();
          }
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** Releases the deflater and any temporary file; done by {@link #finish()} as well. */
  @Override
  public void abandon() {
    deflater.end();
    try {
      central.close();
    } catch (UncheckedIOException e) {
      // best effort
    }
  }
}
