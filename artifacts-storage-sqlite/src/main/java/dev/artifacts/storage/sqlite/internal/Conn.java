package dev.artifacts.storage.sqlite.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One SQLite connection with its prepared statements. Used by one thread at a time (the reader
 * pool and the writer thread guarantee it), so the statement cache needs no locking.
 */
final class Conn implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  private Conn(Connection connection) {
    this.connection = connection;
  }

  static Conn open(String path) throws SQLException {
    Properties props = new Properties();
    // otherwise the driver prepares and runs "SELECT last_insert_rowid()" after every INSERT
    props.setProperty("jdbc.get_generated_keys", "false");
    return new Conn(org.sqlite.JDBC.createConnection("jdbc:sqlite:" + path, props));
  }

  /** @return the cached prepared statement for {@code sql}, parameters cleared */
  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    } else {
      ps.clearParameters();
    }
    return ps;
  }

  /** Executes a statement that needs no parameters (pragmas, BEGIN, COMMIT, DDL). */
  void exec(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  /** @return the first column of the first row of a parameterless query, as a string */
  String queryString(String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        var rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** @return the first column of the first row of a parameterless query, as a long */
  long queryLong(String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        var rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  @Override
  public void close() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException | RuntimeException ignored) {
        // closing the connection releases it anyway
      }
    }
    statements.clear();
    try {
      connection.close();
    } catch (SQLException | RuntimeException ignored) {
      // nothing left to do
    }
  }
}
