package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of small text records, made durable by a shared fsync ({@link GroupSync}):
 * N concurrent appends cost about two {@code fdatasync}s instead of N new files with an fsync each.
 *
 * <pre>
 * &lt;format line&gt;
 * &lt;record&gt; TAB &lt;crc32 of the record, 8 hex digits&gt;
 * ...
 * </pre>
 *
 * <p>A record is acknowledged only after a sync that started after it was written, so a crash can
 * only lose or tear records that were never acknowledged, and only at the end of the file: on
 * open, everything after the last intact record is cut off. A damaged record <em>followed by</em>
 * intact ones cannot come from a crash (appends are sequential and each is acknowledged only once
 * durable) and is reported as corruption instead of being skipped, since skipping a record (a
 * revocation, say) could change what the log means.
 *
 * <p>Not thread-safe for appends: the owner serializes {@link #append} and {@link #rewrite} (it
 * usually updates its in-memory state in the same critical section, so state and log agree on
 * order); {@link #sync} may be called concurrently from any thread.
 */
public final class RecordLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordLog.class);

  private final Path file;
  private final String format;
  private final GroupSync groupSync;
  private volatile FileChannel channel;
  private long size;
  private int records;
  /** Set when a failed append could not be undone: the file may end in a partial record. */
  private IOException broken;

  private RecordLog(Path file, String format, FileChannel channel, long size, int records) {
    this.file = file;
    this.format = format;
    this.channel = channel;
    this.size = size;
    this.records = records;
    this.groupSync = new GroupSync(this::forceCurrent);
  }

  /**
   * Opens the log at {@code file}, creating it (durably) when it does not exist, and replays it.
   *
   * @param replay receives every intact record, in order
   * @throws SealedText.CorruptFileException when the format line is wrong or a damaged record is
   *     followed by intact ones
   */
  public static RecordLog open(Path file, String format, Consumer<String> replay)
      throws IOException, SealedText.CorruptFileException {
    if (!Files.exists(file)) {
      FsFiles.replace(file, (format + "\n").getBytes(StandardCharsets.UTF_8), true);
    }
    byte[] data = Files.readAllBytes(file);
    byte[] header = (format + "\n").getBytes(StandardCharsets.UTF_8);
    if (data.length < header.length
        || !java.util.Arrays.equals(data, 0, header.length, header, 0, header.length)) {
      throw new SealedText.CorruptFileException("unknown format (expected '" + format + "')");
    }
    List<String> intact = new ArrayList<>();
    int pos = header.length;
    long validEnd = pos;
    int damagedLine = -1;
    int lineNo = 1;
    while (pos < data.length) {
      lineNo++;
      int nl = indexOf(data, (byte) '\n', pos);
      String payload = nl < 0 ? null : check(data, pos, nl);
      if (payload == null) {
        if (damagedLine < 0) {
          damagedLine = lineNo;
        }
        if (nl < 0) {
          break;
        }
      } else {
        if (damagedLine >= 0) {
          throw new SealedText.CorruptFileException(
              "damaged record at line " + damagedLine + " followed by intact records");
        }
        intact.add(payload);
        validEnd = nl + 1;
      }
      pos = nl + 1;
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (validEnd < data.length) {
        LOG.info(
            "{}: cutting off {} bytes of records that were never acknowledged (interrupted append)",
            file, data.length - validEnd);
        ch.truncate(validEnd);
        ch.force(false);
      }
      for (String p : intact) {
        replay.accept(p);
      }
      return new RecordLog(file, format, ch, validEnd, intact.size());
    } catch (IOException | RuntimeException e) {
      FsFiles.closeQuietly(ch);
      throw e;
    }
  }

  private static int indexOf(byte[] data, byte b, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** @return the record of line {@code data[start, end)}, or null when it is damaged */
  private static String check(byte[] data, int start, int end) {
    int tab = end - 9;
    if (tab < start || data[tab] != '\t') {
      return null;
    }
    CRC32 crc = new CRC32();
    crc.update(data, start, tab - start);
    String sum = new String(data, tab + 1, 8, StandardCharsets.US_ASCII);
    if (!sum.equals(String.format("%08x", crc.getValue()))) {
      return null;
    }
    return new String(data, start, tab - start, StandardCharsets.UTF_8);
  }

  private static byte[] encode(List<String> payloads) {
    StringBuilder sb = new StringBuilder(payloads.size() * 160);
    for (String p : payloads) {
      if (p.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a record must not contain a newline: " + p.strip());
      }
      CRC32 crc = new CRC32();
      crc.update(p.getBytes(StandardCharsets.UTF_8));
      sb.append(p).append('\t').append(String.format("%08x", crc.getValue())).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes {@code payloads} at the end of the log, not yet durable: call {@link #sync} before
   * acknowledging them. On failure the file is cut back to where it was, so nothing of the
   * records stays; if even that fails the log refuses every later append.
   */
  public void append(List<String> payloads) throws IOException {
    if (broken != null) {
      throw new IOException(file + " is unusable after a failed append; reopen the storage", broken);
    }
    byte[] bytes = encode(payloads);
    try {
      FsFiles.writeFully(channel, ByteBuffer.wrap(bytes), size);
    } catch (IOException e) {
      try {
        channel.truncate(size);
      } catch (IOException undo) {
        e.addSuppressed(undo);
        broken = e;
      }
      throw e;
    }
    size += bytes.length;
    records += payloads.size();
  }

  /** Makes every record appended before this call durable; shares fsyncs with concurrent calls. */
  public void sync() throws IOException {
    groupSync.sync();
  }

  private void forceCurrent() throws IOException {
    while (true) {
      FileChannel ch = channel;
      try {
        ch.force(false);
        return;
      } catch (ClosedChannelException e) {
        if (channel == ch) {
          throw e;
        }
        // rewritten meanwhile: the new file holds every record, durably; force it to be sure
      }
    }
  }

  /**
   * Replaces the whole log with {@code payloads} (compaction): written to a temp file, fsynced,
   * renamed over the log, directory fsynced. Either the old or the new log survives a crash.
   */
  public void rewrite(List<String> payloads) throws IOException {
    byte[] body = encode(payloads);
    byte[] header = (format + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] content = new byte[header.length + body.length];
    System.arraycopy(header, 0, content, 0, header.length);
    System.arraycopy(body, 0, content, header.length, body.length);
    Path tmp = FsFiles.writeTemp(file, content, true);
    FileChannel next;
    try {
      next = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      FsFiles.deleteQuietly(tmp);
      throw e;
    }
    try {
      FsFiles.renameOver(tmp, file);
    } catch (IOException e) {
      FsFiles.closeQuietly(next);
      throw e;
    }
    // from the rename on, appends must go to the new file (the old one is unlinked)
    FileChannel old = channel;
    channel = next;
    size = content.length;
    records = payloads.size();
    broken = null;
    FsFiles.closeQuietly(old);
    try {
      FsFiles.fsyncDirectory(file.getParent());
    } catch (IOException e) {
      // a crash could bring the old file back: appends to the new one must not be acknowledged
      broken = e;
      throw e;
    }
  }

  /** @return records in the log, including superseded ones the owner has not compacted away */
  public int records() {
    return records;
  }

  /** @return bytes in the log */
  public long size() {
    return size;
  }

  @Override
  public void close() {
    FsFiles.closeQuietly(channel);
  }
}
