package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.TokenStore;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token records in one append-only journal, {@code tokens/journal} ({@link RecordLog}): a put
 * appends a {@code P} record, a removal a {@code D} record, and the call returns once a shared
 * {@code fdatasync} that started after its append has completed, so concurrent puts (one per fork
 * or repository created) cost about two fsyncs in all instead of a new file and two fsyncs each.
 * All records are replayed into memory at open. When superseded records outnumber live ones (and
 * there are more than {@value #COMPACT_MIN_DEAD}), the journal is rewritten with only the live
 * ones.
 *
 * <pre>
 * artifacts-tokens v1
 * P TAB &lt;hash&gt; TAB &lt;URL-encoded repository id&gt; TAB &lt;URL-encoded scope&gt; TAB &lt;created millis&gt; TAB &lt;expires millis&gt; TAB &lt;crc32&gt;
 * D TAB &lt;hash&gt; TAB &lt;crc32&gt;
 * </pre>
 *
 * <p>Data directories written before the journal kept one file per record ({@code tokens/<hash>},
 * format {@code artifacts-token v1}); {@link #load} moves such records into the journal (durably)
 * and then deletes the files.
 */
public final class FsTokenStore implements TokenStore {
  private static final Logger LOG = LoggerFactory.getLogger(FsTokenStore.class);
  static final String FORMAT = "artifacts-tokens v1";
  static final String LEGACY_FORMAT = "artifacts-token v1";
  static final String JOURNAL = "journal";
  static final int COMPACT_MIN_DEAD = 1024;
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{1,128}");

  private final Path dir;
  private final Lifecycle lifecycle;
  private final FsOptions options;
  private final Object lock = new Object();
  private final Map<String, TokenRecord> records = new ConcurrentHashMap<>();
  private RecordLog journal; // appends and rewrites guarded by lock
  /** Records in the journal that no longer count (replaced or removed; guarded by lock). */
  private int dead;
  /** Writes in progress (guarded by {@code lock}); {@link #awaitWrites} waits for them. */
  private int writers;

  private FsTokenStore(Path dir, Lifecycle lifecycle, FsOptions options) {
    this.dir = dir;
    this.lifecycle = lifecycle;
    this.options = options;
  }

  /**
   * Replays {@code dir/journal} (creating it when missing) and moves records of the older
   * one-file-per-record layout into it.
   *
   * @throws StorageException when the journal is damaged other than by an interrupted append
   */
  public static FsTokenStore load(Path dir, Lifecycle lifecycle, FsOptions options)
      throws IOException {
    Files.createDirectories(dir);
    FsFiles.deleteTempFilesQuietly(dir);
    FsTokenStore store = new FsTokenStore(dir, lifecycle, options);
    Path file = dir.resolve(JOURNAL);
    try {
      store.journal = RecordLog.open(file, FORMAT, store::replay);
    } catch (SealedText.CorruptFileException e) {
      throw new StorageException("damaged token journal " + file + ": " + e.getMessage(), e);
    }
    try {
      store.migrateLegacyFiles();
      if (store.dead >= COMPACT_MIN_DEAD && store.dead > store.records.size()) {
        store.compact();
      }
      return store;
    } catch (IOException | RuntimeException e) {
      store.journal.close();
      throw e;
    }
  }

  private void replay(String payload) {
    String[] f = payload.split("\t", -1);
    try {
      if (f[0].equals("P") && f.length == 6) {
        TokenRecord r =
            new TokenRecord(
                f[1],
                URLDecoder.decode(f[2], StandardCharsets.UTF_8),
                URLDecoder.decode(f[3], StandardCharsets.UTF_8),
                Long.parseLong(f[4]),
                Long.parseLong(f[5]));
        if (records.put(r.hash(), r) != null) {
          dead++;
        }
        return;
      }
      if (f[0].equals("D") && f.length == 2) {
        dead++; // the D record itself
        if (records.remove(f[1]) != null) {
          dead++;
        }
        return;
      }
    } catch (RuntimeException e) {
      // falls through: an intact record (checksum matches) of a shape this version cannot read
    }
    throw new StorageException(
        "token journal " + dir.resolve(JOURNAL) + " holds a record this version cannot read: "
            + payload, null);
  }

  private static String putRecord(TokenRecord t) {
    return "P\t" + t.hash()
        + "\t" + URLEncoder.encode(t.repositoryId(), StandardCharsets.UTF_8)
        + "\t" + URLEncoder.encode(t.scope(), StandardCharsets.UTF_8)
        + "\t" + t.createdMillis()
        + "\t" + t.expiresMillis();
  }

  private static String deleteRecord(String hash) {
    return "D\t" + hash;
  }

  /** Moves {@code tokens/<hash>} files (the layout before the journal) into the journal. */
  private void migrateLegacyFiles() throws IOException {
    List<Path> legacy = new ArrayList<>();
    List<String> appended = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (name.equals(JOURNAL)) {
          continue;
        }
        if (!HASH.matcher(name).matches()) {
          LOG.warn("ignoring unexpected file {}", p);
          continue;
        }
        try {
          TokenRecord r = parseLegacy(Files.readAllBytes(p));
          if (!r.hash().equals(name)) {
            throw new SealedText.CorruptFileException("hash does not match the file name");
          }
          if (records.put(name, r) != null) {
            dead++;
          }
          appended.add(putRecord(r));
          legacy.add(p);
        } catch (SealedText.CorruptFileException e) {
          // an unreadable record grants nothing; keep the file for inspection
          LOG.error("ignoring damaged token record {}: {}", p, e.getMessage());
        }
      }
    }
    if (legacy.isEmpty()) {
      return;
    }
    journal.append(appended);
    journal.sync();
    for (Path p : legacy) {
      Files.delete(p);
    }
    FsFiles.fsyncDirectory(dir);
    LOG.info("moved {} token records from {} into {}", legacy.size(), dir, JOURNAL);
  }

  static TokenRecord parseLegacy(byte[] data) throws SealedText.CorruptFileException {
    String[] lines = SealedText.open(data, LEGACY_FORMAT);
    Map<String, String> f = new java.util.HashMap<>();
    for (String line : lines) {
      int tab = line.indexOf('\t');
      if (tab <= 0) {
        throw new SealedText.CorruptFileException("bad line: " + line);
      }
      f.put(line.substring(0, tab), line.substring(tab + 1));
    }
    try {
      return new TokenRecord(
          Objects.requireNonNull(f.get("hash"), "hash"),
          URLDecoder.decode(Objects.requireNonNull(f.get("repository"), "repository"),
              StandardCharsets.UTF_8),
          URLDecoder.decode(Objects.requireNonNull(f.get("scope"), "scope"),
              StandardCharsets.UTF_8),
          Long.parseLong(Objects.requireNonNull(f.get("created"), "created")),
          Long.parseLong(Objects.requireNonNull(f.get("expires"), "expires")));
    } catch (RuntimeException e) {
      throw new SealedText.CorruptFileException("bad record: " + e);
    }
  }

  /** Rewrites the journal with the live records only (caller holds lock). */
  private void compact() throws IOException {
    List<String> live = new ArrayList<>(records.size());
    for (TokenRecord r : records.values()) {
      live.add(putRecord(r));
    }
    journal.rewrite(live);
    dead = 0;
  }

  /**
   * Appends {@code payloads} and applies {@code change} to the cache in one critical section (so
   * cache and journal agree on order), then waits for a shared fsync. Compacts the journal when
   * it has become mostly superseded records.
   */
  private void write(List<String> payloads, Runnable change, String what) {
    synchronized (lock) {
      lifecycle.checkOpen();
      try {
        options.faults().at(FsOptions.FaultInjector.TOKENS_BEFORE_APPEND);
        journal.append(payloads);
      } catch (IOException e) {
        throw new StorageException("cannot " + what, e);
      }
      change.run();
      writers++;
    }
    try {
      journal.sync();
    } catch (IOException e) {
      throw new StorageException(
          "cannot " + what + ": written but could not be made durable", e);
    } finally {
      synchronized (lock) {
        if (dead >= COMPACT_MIN_DEAD && dead > records.size()) {
          try {
            compact();
          } catch (IOException e) {
            LOG.warn("could not compact {}: {}", dir.resolve(JOURNAL), e.toString());
          }
        }
        if (--writers == 0) {
          lock.notifyAll();
        }
      }
    }
  }

  @Override
  public void put(TokenRecord token) {
    Objects.requireNonNull(token, "token");
    if (!HASH.matcher(token.hash()).matches()) {
      throw new IllegalArgumentException("token hash must be lowercase hex: " + token.hash());
    }
    write(
        List.of(putRecord(token)),
        () -> {
          if (records.put(token.hash(), token) != null) {
            dead++;
          }
        },
        "store token record");
  }

  @Override
  public Optional<TokenRecord> find(String hash) {
    lifecycle.checkOpen();
    return hash == null ? Optional.empty() : Optional.ofNullable(records.get(hash));
  }

  @Override
  public List<TokenRecord> forRepository(String repositoryId) {
    lifecycle.checkOpen();
    List<TokenRecord> out = new ArrayList<>();
    for (TokenRecord r : records.values()) {
      if (r.repositoryId().equals(repositoryId)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public boolean remove(String hash) {
    if (hash == null || !HASH.matcher(hash).matches()) {
      lifecycle.checkOpen();
      return false;
    }
    boolean[] removed = new boolean[1];
    synchronized (lock) {
      // decided and written under the lock, so two concurrent removes write one record
      lifecycle.checkOpen();
      if (!records.containsKey(hash)) {
        return false;
      }
      write(
          List.of(deleteRecord(hash)),
          () -> {
            removed[0] = records.remove(hash) != null;
            dead += 2;
          },
          "remove token record");
    }
    return removed[0];
  }

  /** Durably removes every record of {@code repositoryId} (one journal append and sync). */
  public void removeRepository(String repositoryId) {
    synchronized (lock) {
      lifecycle.checkOpen();
      List<String> hashes = new ArrayList<>();
      for (TokenRecord r : records.values()) {
        if (r.repositoryId().equals(repositoryId)) {
          hashes.add(r.hash());
        }
      }
      if (hashes.isEmpty()) {
        return;
      }
      List<String> payloads = new ArrayList<>(hashes.size());
      for (String h : hashes) {
        payloads.add(deleteRecord(h));
      }
      write(
          payloads,
          () -> {
            for (String h : hashes) {
              records.remove(h);
            }
            dead += 2 * hashes.size();
          },
          "remove token records of " + repositoryId);
    }
  }

  /** Waits for a write in flight; called at close after the lifecycle is marked closed. */
  public void awaitWrites() {
    boolean interrupted = false;
    synchronized (lock) {
      while (writers > 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for writes in flight and closes the journal. */
  public void close() {
    awaitWrites();
    synchronized (lock) {
      journal.close();
    }
  }
}
