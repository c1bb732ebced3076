package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What makes a new fork durable: one record in an append-only journal ({@code forks/journal}, a
 * {@link RecordLog}) with a shared {@code fdatasync}, instead of a directory tree of its own with
 * fsyncs. Until a fork is <em>settled</em> its entry in {@code repos/} is a symbolic link, made
 * without fsync, to a shared read-only view ({@link ForkViews}): a cache of the record, checked
 * when the storage is opened and made again if a crash lost it. A fork is settled (given a
 * durable directory of its own) before its first write, because from then on it holds state the
 * record does not.
 *
 * <pre>
 * artifacts-forks v1
 * F TAB &lt;child&gt; TAB &lt;parent&gt; TAB true|false (read-only) TAB &lt;shared file with its refs&gt; TAB &lt;crc32&gt;
 * S TAB &lt;child&gt; TAB &lt;crc32&gt;      settled: its directory is durable (appended without sync)
 * D TAB &lt;child&gt; TAB &lt;crc32&gt;      deleted (synced before the directory is renamed away)
 * </pre>
 *
 * <p>A lost {@code S} record only means a settled fork is checked again at open. When more than
 * {@value #COMPACT_MIN_RECORDS} records are in the journal and fewer than half of them still
 * matter, it is rewritten with the records of unsettled forks and of deletions in progress.
 *
 * <p>Thread-safe.
 */
public final class ForkJournal implements AutoCloseable {
  static final String FORMAT = "artifacts-forks v1";
  static final String FILE = "journal";
  static final int COMPACT_MIN_RECORDS = 1024;
  private static final Pattern SHARED_NAME = Pattern.compile("[0-9a-f]{64}");

  /** A fork as its journal record describes it. */
  public record Entry(String childId, String parentId, boolean readOnly, String refsFile) {
    public Entry {
      RepositoryIds.requireValid(childId);
      RepositoryIds.requireValid(parentId);
      if (!SHARED_NAME.matcher(refsFile).matches()) {
        throw new IllegalArgumentException("not a shared file name: " + refsFile);
      }
    }

    public ForkRecord forkRecord() {
      return new ForkRecord(parentId, readOnly);
    }

    String record() {
      return "F\t" + childId + "\t" + parentId + "\t" + readOnly + "\t" + refsFile;
    }
  }

  private enum State {
    PENDING(1),
    SETTLED(0),
    DELETING(2);

    /** Records a compaction keeps for a fork in this state. */
    final int kept;

    State(int kept) {
      this.kept = kept;
    }
  }

  private final Path file;
  private final Object lock = new Object();
  private final RecordLog log;
  // guarded by lock; insertion order is record order, so parents come before their forks
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Map<String, State> states = new LinkedHashMap<>();
  // children whose last record at open was D (their directory may still be there)
  private final Set<String> deletedAtOpen = new LinkedHashSet<>();
  // records a compaction would keep (guarded by lock)
  private int live;

  private ForkJournal(Path file, RecordLog log) {
    this.file = file;
    this.log = log;
  }

  /**
   * Opens {@code dir/journal} (creating it) and replays it.
   *
   * @throws StorageException when the journal is damaged other than by an interrupted append
   */
  public static ForkJournal open(Path dir) throws IOException {
    Files.createDirectories(dir);
    FsFiles.deleteTempFilesQuietly(dir);
    Path file = dir.resolve(FILE);
    List<String> records = new ArrayList<>();
    RecordLog log;
    try {
      log = RecordLog.open(file, FORMAT, records::add);
    } catch (SealedText.CorruptFileException e) {
      throw new StorageException("damaged fork journal " + file + ": " + e.getMessage(), e);
    }
    ForkJournal journal = new ForkJournal(file, log);
    try {
      for (String r : records) {
        journal.replay(r);
      }
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    return journal;
  }

  private void replay(String payload) {
    String[] f = payload.split("\t", -1);
    try {
      if (f[0].equals("F") && f.length == 5 && (f[3].equals("true") || f[3].equals("false"))) {
        Entry e = new Entry(f[1], f[2], Boolean.parseBoolean(f[3]), f[4]);
        entries.remove(e.childId());
        entries.put(e.childId(), e);
        setState(e.childId(), State.PENDING);
        deletedAtOpen.remove(e.childId());
        return;
      }
      if (f[0].equals("S") && f.length == 2 && RepositoryIds.isValid(f[1])) {
        if (states.get(f[1]) == State.PENDING) {
          setState(f[1], State.SETTLED);
        }
        return;
      }
      if (f[0].equals("D") && f.length == 2 && RepositoryIds.isValid(f[1])) {
        entries.remove(f[1]);
        setState(f[1], null);
        deletedAtOpen.add(f[1]);
        return;
      }
    } catch (IllegalArgumentException e) {
      // falls through: an intact record (checksum matches) of a shape this version cannot read
    }
    throw new StorageException(
        "fork journal " + file + " holds a record this version cannot read: " + payload, null);
  }

  /**
   * @return the forks whose directories may not be durable: last record {@code F} with no {@code
   *     S} after it, in record order (parents first)
   */
  public List<Entry> unsettled() {
    synchronized (lock) {
      List<Entry> out = new ArrayList<>();
      for (Entry e : entries.values()) {
        if (states.get(e.childId()) == State.PENDING) {
          out.add(e);
        }
      }
      return out;
    }
  }

  /** @return the ids whose last record at open was {@code D} */
  public Set<String> deletedAtOpen() {
    return Set.copyOf(deletedAtOpen);
  }

  /** @return the record of {@code childId} if it is an unsettled fork, else null */
  public Entry unsettled(String childId) {
    synchronized (lock) {
      return states.get(childId) == State.PENDING ? entries.get(childId) : null;
    }
  }

  /** @return whether {@code childId} has a record a crash recovery would act on */
  public boolean hasRecord(String childId) {
    synchronized (lock) {
      return entries.containsKey(childId);
    }
  }

  /** @return whether {@code childId} is a fork whose directory may not be durable yet */
  public boolean isUnsettled(String childId) {
    synchronized (lock) {
      return states.get(childId) == State.PENDING;
    }
  }

  /** Appends the fork's record and returns once it is durable. */
  public void recordFork(Entry fork) throws IOException {
    synchronized (lock) {
      log.append(List.of(fork.record()));
      entries.remove(fork.childId());
      entries.put(fork.childId(), fork);
      setState(fork.childId(), State.PENDING);
      compactIfWorthIt();
    }
    log.sync();
  }

  /**
   * Records that {@code childId}'s directory is durable on its own; the record is not synced (if a
   * crash loses it, the fork is only checked again at open).
   */
  public void recordSettled(String childId) throws IOException {
    synchronized (lock) {
      if (states.get(childId) != State.PENDING) {
        return;
      }
      log.append(List.of("S\t" + childId));
      setState(childId, State.SETTLED);
      compactIfWorthIt();
    }
  }

  /**
   * Appends a deletion record for {@code childId} and returns once it is durable; from then on a
   * crash recovery removes the fork's directory. Call {@link #deleted} once the directory is gone
   * durably.
   */
  public void recordDelete(String childId) throws IOException {
    synchronized (lock) {
      log.append(List.of("D\t" + childId));
      if (entries.containsKey(childId)) {
        setState(childId, State.DELETING);
      }
    }
    log.sync();
  }

  /** Forgets {@code childId}: its directory is durably gone. */
  public void deleted(String childId) {
    synchronized (lock) {
      entries.remove(childId);
      setState(childId, null);
    }
  }

  /** Guarded by lock (or called during replay); null removes the fork. */
  private void setState(String childId, State state) {
    State before = state == null ? states.remove(childId) : states.put(childId, state);
    live += (state == null ? 0 : state.kept) - (before == null ? 0 : before.kept);
  }

  /** Guarded by lock. */
  private void compactIfWorthIt() throws IOException {
    if (log.records() < COMPACT_MIN_RECORDS || live * 2L > log.records()) {
      return;
    }
    List<String> keep = new ArrayList<>(live);
    for (Entry e : entries.values()) {
      State s = states.get(e.childId());
      if (s == State.PENDING || s == State.DELETING) {
        keep.add(e.record());
      }
      if (s == State.DELETING) {
        keep.add("D\t" + e.childId());
      }
    }
    log.rewrite(keep);
    // settled forks are durable on their own and need no record any more
    entries.keySet().removeIf(id -> states.get(id) == State.SETTLED);
    states.values().removeIf(s -> s == State.SETTLED);
  }

  /** @return records in the journal (tests) */
  int records() {
    synchronized (lock) {
      return log.records();
    }
  }

  @Override
  public void close() {
    log.close();
  }
}
