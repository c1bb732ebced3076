package dev.artifacts.storage.sqlite;

import static dev.artifacts.storage.sqlite.TestSupport.queryLong;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.TokenRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures how much the database grows per fork: a fork must cost a registry row and its copied
 * refs, nothing proportional to the parent's packs. Forks are made as the REST API makes them
 * (random 16-character id, then one token each) of a parent with {@code HEAD}, a branch and a
 * tag, and a 2 MB pack.
 */
class ForkSizeTest {
  @TempDir Path dir;

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  Path db() {
    return dir.resolve("artifacts.db");
  }

  private static String randomId(Random random) {
    char[] c = new char[16];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
    }
    return new String(c);
  }

  /** @return the size the database file has once its WAL is checkpointed into it */
  private long databaseBytes() {
    return queryLong(db(), "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  }

  private void fork(SqliteStorage s, Random random, boolean withToken) {
    String id = randomId(random);
    s.fork("parent", id, false).orElseThrow();
    if (withToken) {
      byte[] h = new byte[32];
      random.nextBytes(h);
      String hash = java.util.HexFormat.of().formatHex(h);
      s.tokens().put(new TokenRecord(hash, id, "write", System.currentTimeMillis(), 0));
    }
  }

  @Test
  void bytesPerForkAreAtMostOneKibAmortized() {
    int forks = 1000;
    Random random = new Random(42);
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore parent = s.create("parent").orElseThrow();
      PackDescriptor d =
          TestSupport.writePack(
              parent.objects(), "p", Map.of("pack", TestSupport.randomBytes(2_000_000, 1)));
      parent.objects().commit(List.of(d), List.of());
      ObjectId head = ObjectId.fromString("0123456789abcdef0123456789abcdef01234567");
      parent
          .refs()
          .apply(
              List.of(
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                  RefChange.create("refs/heads/main", RefValue.peeled(head, head)),
                  RefChange.create(
                      "refs/tags/v1.0",
                      RefValue.peeled(
                          ObjectId.fromString("fedcba9876543210fedcba9876543210fedcba98"), head))));
      // warm up: the B-trees' first pages exist
      for (int i = 0; i < 100; i++) {
        fork(s, random, true);
      }
      TestSupport.exec(db(), "PRAGMA wal_checkpoint(TRUNCATE)");
      long before = databaseBytes();
      for (int i = 0; i < forks; i++) {
        fork(s, random, false);
      }
      TestSupport.exec(db(), "PRAGMA wal_checkpoint(TRUNCATE)");
      long afterForks = databaseBytes();
      for (int i = 0; i < forks; i++) {
        fork(s, random, true);
      }
      TestSupport.exec(db(), "PRAGMA wal_checkpoint(TRUNCATE)");
      long afterForksWithTokens = databaseBytes();

      double perFork = (afterForks - before) / (double) forks;
      double perForkWithToken = (afterForksWithTokens - afterForks) / (double) forks;
      System.out.printf(
          "database growth: %.0f bytes per fork (3 refs), %.0f bytes per fork with its token%n",
          perFork, perForkWithToken);
      assertThat(perFork).isLessThanOrEqualTo(1024);
      assertThat(perForkWithToken).isLessThanOrEqualTo(1024);
      // nothing of the parent's pack was copied
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo((2_000_000 + 65535) / 65536);
    }
  }
}
