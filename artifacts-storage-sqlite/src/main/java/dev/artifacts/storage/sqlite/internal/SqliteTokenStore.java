package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.TokenStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Token records as rows of {@code tokens (hash PRIMARY KEY, repo, scope, created_millis,
 * expires_millis)}. Reads are one indexed SELECT on a pooled read connection (not cached, so
 * memory does not grow with the number of tokens); writes are durable single-statement
 * transactions, group-committed with concurrent writes.
 */
final class SqliteTokenStore implements TokenStore {
  private final Database db;

  SqliteTokenStore(Database db) {
    this.db = db;
  }

  @Override
  public void put(TokenRecord token) {
    Objects.requireNonNull(token, "token");
    db.write(
        "storing a token of repository " + token.repositoryId(),
        true,
        tx -> {
          PreparedStatement ps =
              tx.prepare(
                  "INSERT OR REPLACE INTO tokens(hash, repo, scope, created_millis, expires_millis)"
                      + " VALUES (?, ?, ?, ?, ?)");
          ps.setString(1, token.hash());
          ps.setString(2, token.repositoryId());
          ps.setString(3, token.scope());
          ps.setLong(4, token.createdMillis());
          ps.setLong(5, token.expiresMillis());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public Optional<TokenRecord> find(String hash) {
    Objects.requireNonNull(hash, "hash");
    return db.read(
        "looking up a token",
        c -> {
          PreparedStatement q =
              c.prepare(
                  "SELECT hash, repo, scope, created_millis, expires_millis FROM tokens"
                      + " WHERE hash = ?");
          q.setString(1, hash);
          try (ResultSet rs = q.executeQuery()) {
            return rs.next() ? Optional.of(record(rs)) : Optional.<TokenRecord>empty();
          }
        });
  }

  @Override
  public List<TokenRecord> forRepository(String repositoryId) {
    Objects.requireNonNull(repositoryId, "repositoryId");
    return db.read(
        "listing tokens of repository " + repositoryId,
        c -> {
          PreparedStatement q =
              c.prepare(
                  "SELECT hash, repo, scope, created_millis, expires_millis FROM tokens"
                      + " WHERE repo = ?");
          q.setString(1, repositoryId);
          List<TokenRecord> out = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              out.add(record(rs));
            }
          }
          return out;
        });
  }

  @Override
  public boolean remove(String hash) {
    Objects.requireNonNull(hash, "hash");
    return db.write(
        "removing a token",
        true,
        tx -> {
          PreparedStatement d = tx.prepare("DELETE FROM tokens WHERE hash = ?");
          d.setString(1, hash);
          return d.executeUpdate() > 0;
        });
  }

  private static TokenRecord record(ResultSet rs) throws SQLException {
    return new TokenRecord(
        rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5));
  }
}
