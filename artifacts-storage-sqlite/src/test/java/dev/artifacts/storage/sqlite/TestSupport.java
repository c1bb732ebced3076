package dev.artifacts.storage.sqlite;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

final class TestSupport {
  private TestSupport() {}

  static final int CHUNK = 64 * 1024;

  static SqliteStorage open(Path db) {
    return SqliteStorage.open(db);
  }

  static SqliteStorage open(Path db, SqliteOptions options) {
    return SqliteStorage.open(db, options);
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Writes one file in uneven pieces. */
  static void writeFile(ObjectStore store, String pack, String ext, byte[] data) {
    try (WritableFile w = store.create(pack, ext)) {
      int off = 0;
      int step = 1;
      while (off < data.length) {
        int n = Math.min(step, data.length - off);
        w.write(data, off, n);
        off += n;
        step = step * 3 + 1;
      }
    }
  }

  /** Writes the files of a pack and returns its descriptor (not committed). */
  static PackDescriptor writePack(ObjectStore store, String pack, Map<String, byte[]> files) {
    Map<String, Long> lengths = new LinkedHashMap<>();
    files.forEach(
        (ext, data) -> {
          writeFile(store, pack, ext, data);
          lengths.put(ext, (long) data.length);
        });
    return new PackDescriptor(pack, "RECEIVE", lengths, 3, 1_700_000_000_000L);
  }

  static byte[] readAll(ReadableFile f) {
    return readAll(f, 1000);
  }

  static byte[] readAll(ReadableFile f, int bufferSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(bufferSize);
    long pos = 0;
    while (true) {
      buf.clear();
      int n = f.read(pos, buf);
      if (n < 0) {
        break;
      }
      out.write(buf.array(), 0, n);
      pos += n;
    }
    return out.toByteArray();
  }

  static byte[] readAll(ObjectStore store, String pack, String ext) {
    Optional<ReadableFile> f = store.open(pack, ext);
    if (f.isEmpty()) {
      throw new AssertionError("no file " + pack + "." + ext);
    }
    try (ReadableFile r = f.get()) {
      return readAll(r);
    }
  }

  /** A raw JDBC connection to the database file, beside the storage (tests only). */
  static Connection raw(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  /** @return the single long the query returns */
  static long queryLong(Path db, String sql) {
    try (Connection c = raw(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static void exec(Path db, String... sql) {
    try (Connection c = raw(db);
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
