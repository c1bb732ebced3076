package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.Artifacts;
import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.WritableFile;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.Test;

/**
 * Contract tests for {@link ObjectStore}, {@link WritableFile} and {@link ReadableFile}: pack-shaped
 * files written invisibly, made visible atomically by {@link ObjectStore#commit}, immutable once
 * visible, retired only by a later commit, and read back byte for byte at any position.
 *
 * <p>Subclass it in the backend's tests and implement {@link #fixture()}.
 */
public abstract class ObjectStoreConformance extends ConformanceSuite {

  private ObjectStore newObjectStore() {
    return createRepository(newStorage(), uniqueId("objects")).objects();
  }

  /**
   * A committed file reads back byte for byte: its {@link ReadableFile#size()} is the length
   * written, a read from any position fills the buffer as far as the file allows and returns that
   * count, and a read at or past the end returns -1.
   */
  @Test
  public void committedFileReadsBackByteExactAtRandomPositions() {
    ObjectStore store = newObjectStore();
    byte[] data = Packs.content(42, 300_000 + 17);
    byte[] idx = Packs.content(43, 4_099);
    String name = Packs.uniqueName();
    PackDescriptor d = Packs.writePack(store, name, Map.of("pack", data, "idx", idx));
    store.commit(List.of(d), List.of());

    assertThat(Packs.readAll(store, name, "pack")).isEqualTo(data);
    assertThat(Packs.readAll(store, name, "idx")).isEqualTo(idx);

    SplittableRandom random = new SplittableRandom(7);
    try (ReadableFile f = store.open(name, "pack").orElseThrow()) {
      assertThat(f.size()).isEqualTo(data.length);
      assertThat(f.blockSize()).as("blockSize() is 0 or a positive granularity").isGreaterThanOrEqualTo(0);
      for (int i = 0; i < 300; i++) {
        int pos = random.nextInt(data.length);
        int len = 1 + random.nextInt(i % 3 == 0 ? 70_000 : 600);
        ByteBuffer buf = ByteBuffer.allocate(len);
        int n = f.read(pos, buf);
        int expected = Math.min(len, data.length - pos);
        assertThat(n).as("read(%d) of %d bytes", pos, len).isEqualTo(expected);
        assertThat(Arrays.copyOf(buf.array(), n))
            .as("bytes at position %d", pos)
            .isEqualTo(Arrays.copyOfRange(data, pos, pos + n));
      }
      // A buffer with an offset: bytes land at its position, which advances by the count.
      ByteBuffer big = ByteBuffer.allocate(64);
      big.position(10);
      int n = f.read(data.length - 20, big);
      assertThat(n).isEqualTo(20);
      assertThat(big.position()).isEqualTo(30);
      assertThat(Arrays.copyOfRange(big.array(), 10, 30))
          .isEqualTo(Arrays.copyOfRange(data, data.length - 20, data.length));
      assertThat(f.read(data.length, ByteBuffer.allocate(10))).as("read at size()").isEqualTo(-1);
      assertThat(f.read(data.length + 1000L, ByteBuffer.allocate(10))).as("read past size()").isEqualTo(-1);
    }
  }

  /** A file of zero bytes is a valid part of a pack: it opens with size 0 and reads -1 at once. */
  @Test
  public void zeroLengthFileIsCommittedAndReadable() {
    ObjectStore store = newObjectStore();
    String name = Packs.uniqueName();
    PackDescriptor d = Packs.writePack(store, name, Map.of("pack", Packs.content(1, 10), "rev", new byte[0]));
    store.commit(List.of(d), List.of());
    try (ReadableFile f = store.open(name, "rev").orElseThrow()) {
      assertThat(f.size()).isZero();
      assertThat(f.read(0, ByteBuffer.allocate(4))).isEqualTo(-1);
    }
  }

  /**
   * {@link WritableFile#read} returns bytes already written by the same writer, before close (the
   * engine indexes a pack while receiving it), and -1 at or past the bytes written so far.
   */
  @Test
  public void writerReadsBackItsOwnBytesBeforeClose() {
    ObjectStore store = newObjectStore();
    byte[] data = Packs.content(5, 50_000);
    WritableFile f = store.create(Packs.uniqueName(), "pack");
    try {
      f.write(data, 0, 20_000);
      assertThat(f.read(20_000, ByteBuffer.allocate(10))).isEqualTo(-1);
      f.write(data, 20_000, 30_000);
      SplittableRandom random = new SplittableRandom(9);
      for (int i = 0; i < 100; i++) {
        int pos = random.nextInt(data.length);
        ByteBuffer buf = ByteBuffer.allocate(1 + random.nextInt(5_000));
        int n = f.read(pos, buf);
        assertThat(n).as("read back at %d", pos).isPositive().isLessThanOrEqualTo(data.length - pos);
        assertThat(Arrays.copyOf(buf.array(), n)).isEqualTo(Arrays.copyOfRange(data, pos, pos + n));
      }
      assertThat(f.read(data.length, ByteBuffer.allocate(10))).isEqualTo(-1);
    } finally {
      f.close();
    }
  }

  /** Writing to an offset of the caller's array writes exactly {@code len} bytes from {@code off}. */
  @Test
  public void writeHonoursOffsetAndLength() {
    ObjectStore store = newObjectStore();
    byte[] source = Packs.content(11, 1000);
    String name = Packs.uniqueName();
    WritableFile f = store.create(name, "pack");
    f.write(source, 100, 300);
    f.write(source, 0, 0);
    f.write(source, 999, 1);
    f.close();
    store.commit(List.of(Packs.descriptor(name, Map.of("pack", 301L))), List.of());
    byte[] expected = new byte[301];
    System.arraycopy(source, 100, expected, 0, 300);
    expected[300] = source[999];
    assertThat(Packs.readAll(store, name, "pack")).isEqualTo(expected);
  }

  /**
   * Nothing written is visible before its commit: not while it is written, not after its file is
   * closed, and not after another pack is committed.
   */
  @Test
  public void uncommittedFilesAreInvisible() {
    ObjectStore store = newObjectStore();
    String pending = Packs.uniqueName();
    WritableFile f = store.create(pending, "pack");
    f.write(Packs.content(1, 5000), 0, 5000);
    assertInvisible(store, pending, "pack");
    f.close();
    assertInvisible(store, pending, "pack");

    Packs.Written other = Packs.commitSmallPack(store, 3);
    assertThat(Packs.names(store)).containsExactly(other.name());
    assertInvisible(store, pending, "pack");
    store.rollback(List.of(pending));
    assertInvisible(store, pending, "pack");
  }

  /** An unknown pack, or an unknown file of a visible pack, opens as empty rather than failing. */
  @Test
  public void openOfUnknownFileIsEmpty() {
    ObjectStore store = newObjectStore();
    assertThat(store.listPacks()).isEmpty();
    assertThat(store.open("no-such-pack", "pack")).isEmpty();
    Packs.Written w = Packs.commitSmallPack(store, 4);
    assertThat(store.open(w.name(), "bitmap")).as("file not in the pack").isEmpty();
    assertThat(store.open("../" + w.name(), "pack")).as("a name no pack can have").isEmpty();
  }

  /**
   * {@link ObjectStore#listPacks()} returns every descriptor exactly as committed: name, source
   * (opaque: tabs, newlines, quotes and non-ASCII characters included), file lengths, object count
   * and creation time.
   */
  @Test
  public void descriptorsAreReturnedUnchanged() {
    ObjectStore store = newObjectStore();
    PackDescriptor d = writeOddlyDescribedPack(store);
    store.commit(List.of(d), List.of());
    assertThat(store.listPacks()).containsExactly(d);
  }

  /**
   * ({@link Capability#REOPEN}) Descriptors come back unchanged after close and reopen, the
   * opaque source string included.
   */
  @Test
  public void descriptorsSurviveReopenUnchanged() {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    String id = uniqueId("descriptors");
    ObjectStore store = createRepository(storage, id).objects();
    PackDescriptor d = writeOddlyDescribedPack(store);
    store.commit(List.of(d), List.of());

    ObjectStore reopened = closeAndReopen(storage).open(id).orElseThrow().objects();
    assertThat(reopened.listPacks()).containsExactly(d);
    assertThat(Packs.readAll(reopened, d.name(), "bitmap")).isEqualTo(Packs.content(3, 6));
  }

  /** Writes three files and returns a descriptor whose every field is unusual. */
  private static PackDescriptor writeOddlyDescribedPack(ObjectStore store) {
    String name = Packs.uniqueName() + "_Y-1";
    Packs.writePack(store, name, Map.of("pack", Packs.content(1, 123), "idx", Packs.content(2, 45), "bitmap", Packs.content(3, 6)));
    return new PackDescriptor(
        name, "we ird\tsource\n%\u00e9'\";--", Map.of("pack", 123L, "idx", 45L, "bitmap", 6L), 987_654_321L, 1_234_567_890_123L);
  }

  /**
   * One commit makes several packs visible at once: a reader polling {@link ObjectStore#listPacks}
   * while commits of three packs each run never sees some packs of a commit without the others.
   */
  @Test
  public void commitMakesAllAddedPacksVisibleTogether() throws Exception {
    ObjectStore store = newObjectStore();
    int commits = 150;
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> violation = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              while (!done.get() && violation.get() == null) {
                Map<String, Long> perGroup =
                    store.listPacks().stream()
                        .map(p -> p.name().substring(0, p.name().lastIndexOf('_')))
                        .collect(Collectors.groupingBy(g -> g, Collectors.counting()));
                perGroup.forEach(
                    (group, count) -> {
                      if (count != 3) {
                        violation.compareAndSet(null, "saw " + count + " of the 3 packs of commit " + group);
                      }
                    });
              }
            });
    reader.start();
    String prefix = Packs.uniqueName();
    try {
      for (int c = 0; c < commits && violation.get() == null; c++) {
        List<PackDescriptor> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          String name = prefix + "-g" + c + "_" + i;
          group.add(Packs.writePack(store, name, Map.of("pack", Packs.content(c * 3L + i, 64), "idx", Packs.content(i, 8))));
        }
        store.commit(group, List.of());
      }
    } finally {
      done.set(true);
      reader.join();
    }
    assertThat(violation.get()).as("atomicity of commit seen by a concurrent reader").isNull();
    assertThat(store.listPacks()).hasSize(commits * 3);
  }

  /**
   * A commit naming a file that was never written throws {@link IllegalArgumentException} and
   * changes nothing: no added pack becomes visible (not even the complete ones) and no replaced
   * pack is retired.
   */
  @Test
  public void commitNamingUnwrittenFileFailsAndChangesNothing() {
    ObjectStore store = newObjectStore();
    Packs.Written existing = Packs.commitSmallPack(store, 10);

    String complete = Packs.uniqueName();
    PackDescriptor good = Packs.writePack(store, complete, Map.of("pack", Packs.content(1, 100)));
    String broken = Packs.uniqueName();
    Packs.writeFile(store, broken, "pack", Packs.content(2, 100));
    PackDescriptor bad = Packs.descriptor(broken, Map.of("pack", 100L, "idx", 20L));

    assertThatThrownBy(() -> store.commit(List.of(good, bad), List.of(existing.name())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.listPacks()).containsExactly(existing.descriptor());
    assertInvisible(store, complete, "pack");
    assertInvisible(store, broken, "pack");
    assertThat(Packs.readAll(store, existing.name(), "pack")).isEqualTo(existing.files().get("pack"));

    PackDescriptor neverWritten = Packs.descriptor(Packs.uniqueName(), Map.of("pack", 1L));
    assertThatThrownBy(() -> store.commit(List.of(neverWritten), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.listPacks()).containsExactly(existing.descriptor());

    assertThatCode(() -> store.rollback(List.of(complete, broken))).doesNotThrowAnyException();
    // The store still works after the failed commits.
    Packs.Written later = Packs.commitSmallPack(store, 11);
    assertThat(Packs.names(store)).containsExactlyInAnyOrder(existing.name(), later.name());
  }

  /**
   * A commit naming a file that is still open, or whose length differs from the descriptor's,
   * throws {@link IllegalArgumentException} and changes nothing; once the file is closed and the
   * descriptor gives the written length, the same packs commit.
   */
  @Test
  public void commitOfAnOpenOrWronglySizedFileFailsAndChangesNothing() {
    ObjectStore store = newObjectStore();
    Packs.Written existing = Packs.commitSmallPack(store, 12);
    String sized = Packs.uniqueName();
    Packs.writeFile(store, sized, "pack", Packs.content(1, 10));
    String open = Packs.uniqueName();
    WritableFile stillOpen = store.create(open, "pack");
    stillOpen.write(Packs.content(2, 3), 0, 3);
    PackDescriptor notClosed = Packs.descriptor(open, Map.of("pack", 3L));

    for (PackDescriptor bad :
        List.of(Packs.descriptor(sized, Map.of("pack", 11L)), Packs.descriptor(sized, Map.of("pack", 9L)), notClosed)) {
      assertThatThrownBy(() -> store.commit(List.of(bad), List.of(existing.name())))
          .as("commit of %s", bad)
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(store.listPacks()).containsExactly(existing.descriptor());
      assertInvisible(store, bad.name(), "pack");
    }

    stillOpen.close();
    PackDescriptor right = Packs.descriptor(sized, Map.of("pack", 10L));
    store.commit(List.of(right, notClosed), List.of());
    assertThat(store.listPacks()).containsExactlyInAnyOrder(existing.descriptor(), right, notClosed);
    assertThat(Packs.readAll(store, open, "pack")).isEqualTo(Packs.content(2, 3));
  }

  /**
   * Creating a file that is already being written (same pack and extension, closed or not, not yet
   * committed or rolled back) is a caller error ({@link IllegalArgumentException} or {@link
   * IllegalStateException}); other files of the pack can be created, and after a rollback the
   * name can be written and committed again.
   */
  @Test
  public void creatingAFileTwiceIsRejectedUntilRolledBack() {
    ObjectStore store = newObjectStore();
    String name = Packs.uniqueName();
    WritableFile first = store.create(name, "pack");
    first.write(Packs.content(1, 10), 0, 10);
    assertThatThrownBy(() -> store.create(name, "pack"))
        .as("create of a file being written")
        .isInstanceOfAny(IllegalArgumentException.class, IllegalStateException.class);
    Packs.writeFile(store, name, "idx", Packs.content(2, 5));
    first.close();
    assertThatThrownBy(() -> store.create(name, "pack"))
        .as("create of a file written and closed but not committed")
        .isInstanceOfAny(IllegalArgumentException.class, IllegalStateException.class);

    store.rollback(List.of(name));
    Map<String, byte[]> again = Map.of("pack", Packs.content(3, 20));
    store.commit(List.of(Packs.writePack(store, name, again)), List.of());
    assertThat(Packs.readAll(store, name, "pack")).isEqualTo(again.get("pack"));
  }

  /**
   * A commit with replaced packs retires them and adds the new ones in one step; names in {@code
   * replaced} that are not visible are ignored; a commit that only replaces is allowed.
   */
  @Test
  public void replacingRetiresPacksAndIgnoresUnknownNames() {
    ObjectStore store = newObjectStore();
    Packs.Written a = Packs.commitSmallPack(store, 1);
    Packs.Written b = Packs.commitSmallPack(store, 2);
    Packs.Written c = Packs.commitSmallPack(store, 3);

    String merged = Packs.uniqueName();
    Map<String, byte[]> files = Map.of("pack", Packs.content(99, 2000), "idx", Packs.content(98, 200));
    PackDescriptor m = Packs.writePack(store, merged, files);
    store.commit(List.of(m), List.of(a.name(), b.name(), "never-existed"));
    assertThat(Packs.names(store)).containsExactlyInAnyOrder(merged, c.name());
    assertThat(Packs.readAll(store, merged, "pack")).isEqualTo(files.get("pack"));

    store.commit(List.of(), List.of(c.name(), a.name()));
    assertThat(Packs.names(store)).containsExactly(merged);
    store.commit(List.of(), List.of());
    assertThat(Packs.names(store)).containsExactly(merged);
  }

  /**
   * A file opened before its pack is retired keeps serving the same bytes until closed, as {@link
   * ReadableFile} requires of readers racing a compaction.
   */
  @Test
  public void openFileKeepsServingAfterItsPackIsRetired() {
    ObjectStore store = newObjectStore();
    Packs.Written a = Packs.commitSmallPack(store, 21);
    byte[] expected = a.files().get("pack");
    try (ReadableFile f = store.open(a.name(), "pack").orElseThrow()) {
      ByteBuffer first = ByteBuffer.allocate(10);
      assertThat(f.read(0, first)).isEqualTo(10);
      Packs.Written replacement = Packs.commitSmallPack(store, 22);
      store.commit(List.of(), List.of(a.name()));
      assertThat(Packs.names(store)).containsExactly(replacement.name());
      assertThat(f.size()).isEqualTo(expected.length);
      assertThat(Packs.readAll(f)).isEqualTo(expected);
    }
  }

  /** {@link ObjectStore#rollback} never throws, whatever it is given, and discards the files. */
  @Test
  public void rollbackNeverThrowsAndDiscards() {
    ObjectStore store = newObjectStore();
    Packs.Written visible = Packs.commitSmallPack(store, 31);
    assertThatCode(() -> store.rollback(List.of())).doesNotThrowAnyException();
    assertThatCode(() -> store.rollback(List.of("unknown-pack", "another_one"))).doesNotThrowAnyException();
    assertThatCode(() -> store.rollback(null)).as("rollback(null)").doesNotThrowAnyException();
    assertThatCode(() -> store.rollback(java.util.Arrays.asList("x", null)))
        .as("rollback of a null name")
        .doesNotThrowAnyException();

    String closed = Packs.uniqueName();
    Packs.writeFile(store, closed, "pack", Packs.content(1, 1000));
    Packs.writeFile(store, closed, "idx", Packs.content(2, 100));
    String open = Packs.uniqueName();
    WritableFile stillOpen = store.create(open, "pack");
    stillOpen.write(Packs.content(3, 100), 0, 100);
    assertThatCode(() -> store.rollback(List.of(closed, open, "unknown"))).doesNotThrowAnyException();
    assertThatCode(() -> store.rollback(List.of(closed))).as("rolling back twice").doesNotThrowAnyException();
    try {
      stillOpen.close();
    } catch (RuntimeException e) {
      // Whether closing a writer after its pack was rolled back throws is not specified.
    }
    assertThatCode(() -> store.rollback(List.of(open))).doesNotThrowAnyException();
    // Rolling back the name of a visible pack: unknown as an uncommitted pack, so ignored.
    assertThatCode(() -> store.rollback(List.of(visible.name()))).doesNotThrowAnyException();

    assertThat(store.listPacks()).containsExactly(visible.descriptor());
    assertInvisible(store, closed, "pack");
    assertInvisible(store, closed, "idx");
    assertInvisible(store, open, "pack");
    assertThat(Packs.readAll(store, visible.name(), "pack")).isEqualTo(visible.files().get("pack"));

    // Discarded means gone: the rolled-back files cannot be committed, but can be written again.
    PackDescriptor rolledBack = Packs.descriptor(closed, Map.of("pack", 1000L, "idx", 100L));
    assertThatThrownBy(() -> store.commit(List.of(rolledBack), List.of()))
        .as("commit of rolled-back files")
        .isInstanceOf(IllegalArgumentException.class);
    Map<String, byte[]> rewritten = Map.of("pack", Packs.content(4, 1000), "idx", Packs.content(5, 100));
    store.commit(List.of(Packs.writePack(store, closed, rewritten)), List.of());
    assertThat(Packs.readAll(store, closed, "pack")).isEqualTo(rewritten.get("pack"));
  }

  /**
   * Leftovers of an interrupted write stay invisible within one storage instance (the variant for
   * every backend; see {@link #leftoversOfAnInterruptedWriteAreInvisibleAfterReopen} for the
   * restart). A file is created, written and never committed; the writer gives up with {@link
   * ObjectStore#rollback}. Later commits of other packs never reveal it.
   */
  @Test
  public void leftoversOfAnInterruptedWriteStayInvisible() {
    ObjectStore store = newObjectStore();
    String interrupted = Packs.uniqueName();
    WritableFile f = store.create(interrupted, "pack");
    f.write(Packs.content(1, 10_000), 0, 10_000);
    store.rollback(List.of(interrupted));
    for (int i = 0; i < 3; i++) {
      Packs.commitSmallPack(store, 100 + i);
      assertInvisible(store, interrupted, "pack");
    }
    assertThat(store.listPacks()).hasSize(3);
  }

  /**
   * Replacing packs is atomic for readers: while a writer repeatedly replaces the one pack of a
   * lineage by its successor (as compaction does), a reader polling {@link ObjectStore#listPacks}
   * always sees exactly one pack of the lineage, never none (objects would be missing) and never
   * two.
   */
  @Test
  public void replacementIsAtomicForConcurrentReaders() throws Exception {
    ObjectStore store = newObjectStore();
    String lineage = Packs.uniqueName() + "-gen";
    Packs.Written first = Packs.commitSmallPack(store, 1);
    String firstName = lineage + "0";
    store.commit(List.of(Packs.writePack(store, firstName, Map.of("pack", Packs.content(0, 64)))), List.of(first.name()));
    int generations = 200;
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> violation = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              while (!done.get() && violation.get() == null) {
                List<String> seen =
                    store.listPacks().stream().map(PackDescriptor::name).filter(n -> n.startsWith(lineage)).toList();
                if (seen.size() != 1) {
                  violation.compareAndSet(null, "a reader saw " + seen + " during a replacement");
                }
              }
            });
    reader.start();
    try {
      for (int g = 1; g <= generations && violation.get() == null; g++) {
        PackDescriptor next = Packs.writePack(store, lineage + g, Map.of("pack", Packs.content(g, 64)));
        store.commit(List.of(next), List.of(lineage + (g - 1)));
      }
    } finally {
      done.set(true);
      reader.join();
    }
    assertThat(violation.get()).isNull();
    assertThat(Packs.names(store)).containsExactly(lineage + generations);
  }

  /**
   * ({@link Capability#REOPEN}) Leftovers of an interrupted write are invisible after a restart: a
   * file is created and written, never closed, committed or rolled back; the storage is closed and
   * reopened; the pack is not listed and its file does not open, and the store accepts new
   * commits.
   */
  @Test
  public void leftoversOfAnInterruptedWriteAreInvisibleAfterReopen() {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    String id = uniqueId("interrupted");
    ObjectStore store = createRepository(storage, id).objects();
    Packs.Written kept = Packs.commitSmallPack(store, 1);
    String interrupted = Packs.uniqueName();
    WritableFile f = store.create(interrupted, "pack");
    f.write(Packs.content(2, 20_000), 0, 20_000);
    String closedButUncommitted = Packs.uniqueName();
    Packs.writeFile(store, closedButUncommitted, "idx", Packs.content(3, 200));

    ObjectStore reopened = closeAndReopen(storage).open(id).orElseThrow().objects();
    assertThat(reopened.listPacks()).containsExactly(kept.descriptor());
    assertInvisible(reopened, interrupted, "pack");
    assertInvisible(reopened, closedButUncommitted, "idx");
    Packs.Written later = Packs.commitSmallPack(reopened, 4);
    assertThat(Packs.names(reopened)).containsExactlyInAnyOrder(kept.name(), later.name());
  }

  /**
   * ({@link Capability#REOPEN}) After close and reopen the store lists exactly the committed
   * packs with unchanged descriptors and bytes; files written but never committed (closed, still
   * open, or rolled back) and retired packs are gone.
   */
  @Test
  public void reopenSeesExactlyWhatWasCommitted() {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    String id = uniqueId("reopen");
    ObjectStore store = createRepository(storage, id).objects();
    List<Packs.Written> committed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      committed.add(Packs.commitSmallPack(store, 200 + i));
    }
    store.commit(List.of(), List.of(committed.remove(0).name()));
    String closedOnly = Packs.uniqueName();
    Packs.writeFile(store, closedOnly, "pack", Packs.content(1, 500));
    String stillOpen = Packs.uniqueName();
    WritableFile open = store.create(stillOpen, "pack");
    open.write(Packs.content(2, 700), 0, 700);
    String rolledBack = Packs.uniqueName();
    Packs.writeFile(store, rolledBack, "pack", Packs.content(3, 100));
    store.rollback(List.of(rolledBack));

    Storage again = closeAndReopen(storage);
    ObjectStore reopened = again.open(id).orElseThrow().objects();
    assertThat(reopened.listPacks())
        .containsExactlyInAnyOrderElementsOf(committed.stream().map(Packs.Written::descriptor).toList());
    for (Packs.Written w : committed) {
      for (Map.Entry<String, byte[]> file : w.files().entrySet()) {
        assertThat(Packs.readAll(reopened, w.name(), file.getKey())).isEqualTo(file.getValue());
      }
    }
    for (String leftover : List.of(closedOnly, stillOpen, rolledBack)) {
      assertInvisible(reopened, leftover, "pack");
    }
    // And it is writable again.
    Packs.Written after = Packs.commitSmallPack(reopened, 300);
    assertThat(Packs.names(reopened)).contains(after.name());
  }

  /**
   * Packs committed concurrently by several writers are all kept: no commit overwrites another's
   * (lost update), including commits that retire the writer's own previous pack.
   */
  @Test
  public void concurrentCommitsLoseNothing() throws Exception {
    ObjectStore store = newObjectStore();
    int threads = 4;
    int rounds = 40;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    List<String> lastOfThread = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      lastOfThread.add(null);
    }
    Set<String> kept = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Concurrency.run(
        threads,
        t -> {
          String previous = null;
          for (int r = 0; r < rounds; r++) {
            barrier.await();
            String name = Packs.uniqueName();
            PackDescriptor d = Packs.writePack(store, name, Map.of("pack", Packs.content(t * 1000L + r, 100)));
            if (r % 2 == 0) {
              store.commit(List.of(d), List.of());
              kept.add(name);
            } else {
              store.commit(List.of(d), previous == null ? List.of() : List.of(previous));
              kept.remove(previous);
              kept.add(name);
            }
            previous = name;
          }
          synchronized (lastOfThread) {
            lastOfThread.set(t, previous);
          }
        });
    assertThat(Packs.names(store)).containsExactlyInAnyOrderElementsOf(kept);
    assertThat(Packs.names(store)).containsAll(lastOfThread);
  }

  /** Packs of one repository are invisible to every other repository of the storage. */
  @Test
  public void packsOfOneRepositoryAreInvisibleToAnother() {
    Storage storage = newStorage();
    RepositoryStore a = createRepository(storage, uniqueId("a"));
    RepositoryStore b = createRepository(storage, uniqueId("b"));
    Packs.Written w = Packs.commitSmallPack(a.objects(), 1);
    String pending = Packs.uniqueName();
    Packs.writeFile(b.objects(), pending, "pack", Packs.content(1, 10));
    assertThat(b.objects().listPacks()).isEmpty();
    assertThat(b.objects().open(w.name(), "pack")).isEmpty();
    assertInvisible(a.objects(), pending, "pack");
    assertThat(a.objects().listPacks()).containsExactly(w.descriptor());
  }

  /**
   * Compaction through the engine ({@link Artifacts#compact}) replaces packs in the backend and
   * never loses an object a ref reaches: objects inserted over several packs, some made
   * unreachable, all reachable ones read back byte for byte afterwards, through a fresh engine
   * instance with an emptied block cache so the bytes come from the backend.
   */
  @Test
  public void compactionNeverLosesAReachableObject() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    String id = artifacts.createRepository(uniqueId("compact")).id();
    Repository repo = artifacts.repository(id).orElseThrow();
    Map<ObjectId, EngineSupport.Obj> reachable = new HashMap<>();
    ObjectId tip = null;
    for (int i = 0; i < 6; i++) {
      tip = EngineSupport.commitRandomFiles(repo, "refs/heads/main", tip, i, reachable);
    }
    // Objects that become unreachable: a branch created, then deleted.
    ObjectId side = EngineSupport.commitRandomFiles(repo, "refs/heads/side", tip, 99, new HashMap<>());
    EngineSupport.deleteRef(repo, "refs/heads/side", side);

    ObjectStore objects = storage.open(id).orElseThrow().objects();
    Set<String> before = Packs.names(objects);
    assertThat(before).hasSizeGreaterThanOrEqualTo(7);
    artifacts.compact(id);
    Set<String> after = Packs.names(objects);
    assertThat(after).as("compaction retired packs through ObjectStore.commit").doesNotContainAnyElementsOf(before);
    for (PackDescriptor d : objects.listPacks()) {
      for (Map.Entry<String, Long> f : d.files().entrySet()) {
        try (ReadableFile file = objects.open(d.name(), f.getKey()).orElseThrow()) {
          assertThat(file.size()).as("size of %s.%s", d.name(), f.getKey()).isEqualTo(f.getValue());
        }
      }
    }

    Repository fresh = EngineSupport.freshView(storage, id);
    EngineSupport.assertHasAll(fresh, reachable);
    assertThat(fresh.exactRef("refs/heads/main").getObjectId()).isEqualTo(tip);
  }

  private static void assertInvisible(ObjectStore store, String pack, String ext) {
    assertThat(Packs.names(store)).as("uncommitted pack %s is not listed", pack).doesNotContain(pack);
    Optional<ReadableFile> f = store.open(pack, ext);
    f.ifPresent(ReadableFile::close);
    assertThat(f).as("uncommitted file %s.%s cannot be opened", pack, ext).isEmpty();
  }
}
