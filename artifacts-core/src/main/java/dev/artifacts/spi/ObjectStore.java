package dev.artifacts.spi;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The object database of one repository, stored as immutable pack-shaped files.
 *
 * <p>A pack is a set of files (pack data, index, bitmap, ...) that share a name. Files are
 * written with {@link #create}, then become visible all at once, together with any other packs of
 * the same {@link #commit}. Nothing written is ever visible before its commit, and a pack never
 * changes after it is visible: it can only be retired by a later commit that replaces it.
 *
 * <p>Implementations are thread-safe. Reads ({@link #listPacks}, {@link #open}) may run
 * concurrently with each other and with writes.
 */
public interface ObjectStore {

  /**
   * Lists the visible packs.
   *
   * @return a snapshot of the committed packs, in no particular order; never null
   * @throws StorageException if the backend cannot list
   */
  List<PackDescriptor> listPacks();

  /**
   * Opens a committed file for reading.
   *
   * @param packName a pack returned by {@link #listPacks()} (it may have been retired since: a
   *     backend keeps retired files readable for a grace period or until open handles close)
   * @param ext file extension, as in {@link PackDescriptor#files()}
   * @return the open file, or empty when no such committed file exists
   * @throws StorageException if the backend fails
   */
  Optional<ReadableFile> open(String packName, String ext);

  /**
   * Starts writing one file of a new pack. The file is invisible until the pack is committed.
   * Creating the same (pack, ext) twice before a commit or rollback is a caller error.
   *
   * @throws StorageException if the backend cannot start the write
   */
  WritableFile create(String packName, String ext);

  /**
   * Makes packs visible and retires others, atomically: after this returns, every reader sees
   * all of {@code added} and none of {@code replaced}; if it throws, readers see the state from
   * before the call. Data is durable (as far as the backend promises durability) before it becomes
   * visible, so a crash never leaves a visible pack with missing bytes.
   *
   * @param added packs whose files were written with {@link #create} and closed; every file named
   *     in {@link PackDescriptor#files()} must exist with exactly that length
   * @param replaced names of visible packs to retire (compaction); names not visible are ignored
   * @throws StorageException if the commit failed; nothing changed in that case
   * @throws IllegalArgumentException if an added pack names a file that was not written, is not
   *     closed, or has another length than the descriptor says; nothing changed in that case
   */
  void commit(Collection<PackDescriptor> added, Collection<String> replaced);

  /**
   * Discards uncommitted files of the given packs. Never throws; unknown names are ignored. A
   * backend that cannot delete now must make sure the leftovers stay invisible.
   */
  void rollback(Collection<String> packNames);
}
