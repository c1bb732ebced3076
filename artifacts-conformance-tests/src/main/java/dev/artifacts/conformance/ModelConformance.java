package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.WritableFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;

/**
 * Property tests: random sequences of operations are applied to the backend and, side by side, to
 * a reference model written in this kit from the SPI Javadoc (plain Java maps), and after every
 * step the observable state must be identical: outcomes of compare-and-swap batches, ref
 * listings, visible packs with their bytes, the registry of repositories, forks and tokens.
 *
 * <p>Generated with QuickTheories. A failure is shrunk to a small sequence and reported with the
 * seed; rerun that exact case with {@code -Dartifacts.conformance.seed=SEED} (QuickTheories' own
 * {@code -DQT_SEED=SEED} works too). {@code -Dartifacts.conformance.examples=N} (or {@code
 * -DQT_EXAMPLES=N}) changes the number of sequences per property (default 100); {@code
 * -DQT_SHRINKS=N} the shrink budget (default 100). Each sequence runs on a new storage from the
 * fixture, closed afterwards.
 *
 * <p>Subclass it in the backend's tests and implement {@link #fixture()}.
 */
public abstract class ModelConformance extends ConformanceSuite {
  /** System property: fixed seed for every property of this suite. */
  public static final String SEED_PROPERTY = "artifacts.conformance.seed";
  /** System property: sequences per property. */
  public static final String EXAMPLES_PROPERTY = "artifacts.conformance.examples";

  private static final Pattern SEED_IN_MESSAGE = Pattern.compile("Seed was (-?\\d+)");

  private static final List<String> NAMES =
      List.of(
          "HEAD", "refs/heads/main", "refs/heads/dev", "refs/heads/feature/x", "refs/tags/v1",
          "refs/tags/v2", "refs/notes/commits", "refs/heads/\u00fc");
  private static final List<String> PREFIXES =
      List.of("", "refs/", "refs/heads/", "refs/tags/", "refs/heads/m", "HEAD", "refs/heads/feature/", "refs/x");
  private static final List<RefValue> VALUES =
      List.of(
          RefValue.of(RefStoreConformance.id(1)),
          RefValue.of(RefStoreConformance.id(2)),
          RefValue.of(RefStoreConformance.id(3)),
          RefValue.of(RefStoreConformance.id(4)),
          RefValue.peeled(RefStoreConformance.id(5), RefStoreConformance.id(6)),
          RefValue.peeled(RefStoreConformance.id(1), RefStoreConformance.id(7)),
          RefValue.symbolic("refs/heads/main"),
          RefValue.symbolic("refs/heads/dev"));
  private static final List<String> EXTS = List.of("pack", "idx", "bitmap", "rev");
  private static final List<String> IDS = List.of("r0", "r1", "r2", "r3");

  /**
   * Runs {@code property} over values of {@code gen} with QuickTheories, adding how to reproduce
   * a failure to its message.
   */
  private static <T> void check(Gen<T> gen, Consumer<T> property) {
    QuickTheory qt = QuickTheory.qt();
    String seed = System.getProperty(SEED_PROPERTY);
    if (seed != null && !seed.isBlank()) {
      qt = qt.withFixedSeed(Long.parseLong(seed.trim()));
    }
    if (System.getProperty("QT_EXAMPLES") == null) {
      qt = qt.withExamples(Integer.getInteger(EXAMPLES_PROPERTY, 100));
    }
    if (System.getProperty("QT_SHRINKS") == null) {
      qt = qt.withShrinkCycles(100);
    }
    try {
      qt.forAll(gen).checkAssert(property);
    } catch (AssertionError e) {
      Matcher m = SEED_IN_MESSAGE.matcher(String.valueOf(e.getMessage()));
      String used = m.find() ? m.group(1) : "(see below)";
      throw new AssertionError(
          "backend and reference model disagree; reproduce with -D" + SEED_PROPERTY + "=" + used
              + "\n" + e.getMessage(),
          e);
    }
  }

  /** Runs one generated sequence on a new storage, always closing it. */
  private void onNewStorage(Consumer<Storage> body) {
    Storage storage = newStorage();
    try {
      body.accept(storage);
    } finally {
      release(storage);
    }
  }

  // ---------------------------------------------------------------------------------- refs

  /**
   * One change of a generated batch: which ref, how the expectation is chosen (0 absent, 1 the
   * current value, 2 the current id with another peeled hint, 3 some other value) and the new
   * value (an index into the value pool; the pool's size means delete).
   */
  record Change(int ref, int expect, int value) {}

  /**
   * Random batches of 1 to 3 changes (creates, updates, deletes, symbolic links, duplicates, hits
   * and misses) on 8 refs: every outcome (applied, the conflicting ref with its current value,
   * {@link IllegalArgumentException} for a duplicate name) and every listing and lookup after each
   * batch match the model.
   */
  @Test
  public void refBatchesMatchTheModel() {
    Gen<Change> change =
        integers().between(0, NAMES.size() - 1)
            .zip(integers().between(0, 3), integers().between(0, VALUES.size()), Change::new);
    Gen<List<List<Change>>> programs = lists().of(lists().of(change).ofSizeBetween(1, 3)).ofSizeBetween(1, 30);
    check(programs, program -> onNewStorage(storage -> runRefProgram(storage, program)));
  }

  private void runRefProgram(Storage storage, List<List<Change>> program) {
    RefStore refs = createRepository(storage, "model").refs();
    RefModel model = new RefModel();
    int step = 0;
    for (List<Change> batch : program) {
      step++;
      List<RefChange> changes = new ArrayList<>();
      for (Change c : batch) {
        String name = NAMES.get(c.ref());
        RefValue current = model.get(name);
        RefValue expected =
            switch (c.expect()) {
              case 0 -> null;
              case 1 -> current;
              case 2 -> current == null || current.isSymbolic()
                  ? current
                  : RefValue.peeled(current.objectId(), RefStoreConformance.id(99));
              default -> VALUES.get((c.value() + 3) % VALUES.size());
            };
        RefValue next = c.value() == VALUES.size() ? null : VALUES.get(c.value());
        if (expected == null && next == null) {
          next = VALUES.get(0);
        }
        changes.add(new RefChange(name, expected, next));
      }
      String context = "step " + step + ": " + describe(changes);
      RefModel.Outcome want = model.apply(changes);
      Object got;
      try {
        got = refs.apply(changes);
      } catch (IllegalArgumentException e) {
        got = e;
      }
      switch (want.kind()) {
        case DUPLICATE_NAMES -> assertThat(got).as(context).isInstanceOf(IllegalArgumentException.class);
        case APPLIED -> assertThat(got).as(context).isInstanceOf(RefBatchResult.Applied.class);
        case CONFLICT -> {
          assertThat(got).as(context).isInstanceOf(RefBatchResult.Conflict.class);
          RefBatchResult.Conflict c = (RefBatchResult.Conflict) got;
          assertThat(want.conflicting()).as(context + ": reported conflict is a ref that missed").contains(c.refName());
          assertThat(c.current()).as(context + ": current value reported with the conflict").isEqualTo(model.get(c.refName()));
        }
      }
      for (String prefix : PREFIXES) {
        assertThat(refs.list(prefix)).as(context + ": list(\"" + prefix + "\")").isEqualTo(model.list(prefix));
      }
      for (String name : NAMES) {
        assertThat(refs.get(name)).as(context + ": get(" + name + ")").isEqualTo(Optional.ofNullable(model.get(name)));
      }
    }
  }

  private static String describe(List<RefChange> changes) {
    return changes.stream()
        .map(c -> c.name() + " " + show(c.expected()) + " -> " + show(c.newValue()))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String show(RefValue v) {
    if (v == null) {
      return "absent";
    }
    if (v.isSymbolic()) {
      return "ref:" + v.symbolicTarget();
    }
    return v.objectId().name().substring(34) + (v.peeledId() == null ? "" : "^" + v.peeledId().name().substring(34));
  }

  // ---------------------------------------------------------------------------------- packs

  /** A generated pack: which files it has (bit mask over pack, idx, bitmap, rev) and a content seed. */
  record PackSpec(int exts, long seed) {}

  /**
   * A generated step: kind (0 commit, 1 replace only, 2 write then roll back, 3 write and abandon,
   * 4 commit naming an unwritten file), packs to write, a mask choosing visible packs to replace,
   * and a flag (commit: also replace an unknown name; roll back: leave the last writer open).
   */
  record PackStep(int kind, List<PackSpec> packs, int replaceMask, boolean flag) {}

  /**
   * Random commits (with replacements, including unknown names), replace-only commits, rollbacks
   * (of closed and still-open writers), abandoned writes and commits naming an unwritten file:
   * after every step the visible packs (descriptors, and the bytes of every file) equal the
   * model's, failed commits change nothing, and nothing uncommitted is ever visible.
   */
  @Test
  public void packOperationsMatchTheModel() {
    Gen<PackSpec> spec = integers().between(1, 15).zip(longs().between(0, 1_000_000), PackSpec::new);
    Gen<PackStep> step =
        integers().between(0, 4)
            .zip(lists().of(spec).ofSizeBetween(1, 3), integers().between(0, 255), booleans().all(), PackStep::new);
    check(lists().of(step).ofSizeBetween(1, 20), program -> onNewStorage(storage -> runPackProgram(storage, program)));
  }

  private static Map<String, byte[]> files(PackSpec spec) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    SplittableRandom r = new SplittableRandom(spec.seed());
    for (int i = 0; i < EXTS.size(); i++) {
      if ((spec.exts() & (1 << i)) != 0) {
        files.put(EXTS.get(i), Packs.content(spec.seed() * 7 + i, r.nextInt(i == 0 ? 3000 : 300)));
      }
    }
    return files;
  }

  private static List<String> select(List<String> names, int mask) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if ((mask & (1 << (i % 8))) != 0) {
        out.add(names.get(i));
      }
    }
    return out;
  }

  private void runPackProgram(Storage storage, List<PackStep> program) {
    ObjectStore store = createRepository(storage, "model").objects();
    PackModel model = new PackModel();
    List<String> leftovers = new ArrayList<>();
    int counter = 0;
    int stepNo = 0;
    for (PackStep step : program) {
      stepNo++;
      String context = "step " + stepNo + " " + step;
      List<PackDescriptor> written = new ArrayList<>();
      Map<String, Map<String, byte[]>> content = new HashMap<>();
      WritableFile open = null;
      for (int i = 0; i < step.packs().size(); i++) {
        String name = "p" + (++counter);
        Map<String, byte[]> files = files(step.packs().get(i));
        boolean leaveOpen = step.kind() == 2 && step.flag() && i == step.packs().size() - 1;
        if (leaveOpen) {
          String ext = files.keySet().iterator().next();
          open = store.create(name, ext);
          byte[] b = files.get(ext);
          open.write(b, 0, b.length);
        } else {
          written.add(Packs.writePack(store, name, files));
        }
        content.put(name, files);
      }
      List<String> names = new ArrayList<>(content.keySet());
      switch (step.kind()) {
        case 0 -> {
          List<String> replaced = select(model.names(), step.replaceMask());
          if (step.flag()) {
            replaced.add("unknown" + counter);
          }
          store.commit(written, replaced);
          model.commit(written, content, replaced);
        }
        case 1 -> {
          List<String> replaced = select(model.names(), step.replaceMask());
          store.commit(List.of(), replaced);
          model.commit(List.of(), Map.of(), replaced);
          leftovers.addAll(names);
          store.rollback(names);
        }
        case 2 -> {
          store.rollback(names);
          leftovers.addAll(names);
          if (open != null) {
            closeQuietly(open);
          }
        }
        case 3 -> leftovers.addAll(names);
        default -> {
          List<PackDescriptor> withBad = new ArrayList<>(written);
          withBad.add(Packs.descriptor("p" + (++counter), Map.of("pack", 10L)));
          List<String> replaced = select(model.names(), step.replaceMask());
          assertThatThrownBy(() -> store.commit(withBad, replaced))
              .as(context + ": commit naming an unwritten file")
              .isInstanceOf(IllegalArgumentException.class);
          store.rollback(names);
          leftovers.addAll(names);
        }
      }
      assertThat(new HashSet<>(store.listPacks()))
          .as(context + ": visible packs")
          .isEqualTo(new HashSet<>(model.descriptors()));
      // Bytes of the packs this step made visible; every pack is read again at the end.
      for (PackDescriptor d : model.descriptors()) {
        if (content.containsKey(d.name())) {
          assertSameBytes(store, model, d, context);
        }
      }
    }
    for (PackDescriptor d : model.descriptors()) {
      assertSameBytes(store, model, d, "after the sequence");
    }
    for (String name : leftovers) {
      for (String ext : EXTS) {
        Optional<ReadableFile> f = store.open(name, ext);
        f.ifPresent(ReadableFile::close);
        assertThat(f).as("uncommitted %s.%s after the sequence", name, ext).isEmpty();
      }
    }
  }

  private static void assertSameBytes(ObjectStore store, PackModel model, PackDescriptor d, String context) {
    for (String ext : d.files().keySet()) {
      byte[] got = Packs.readAll(store, d.name(), ext);
      if (!java.util.Arrays.equals(got, model.file(d.name(), ext))) {
        throw new AssertionError(context + ": bytes of " + d.name() + "." + ext + " differ from what was written");
      }
    }
  }

  private static void closeQuietly(WritableFile f) {
    try {
      f.close();
    } catch (RuntimeException e) {
      // Whether closing a writer after its pack was rolled back throws is not specified.
    }
  }

  // ---------------------------------------------------------------------------------- registry

  /**
   * A generated registry step: kind (0 create a, 1 delete a, 2 fork a into b with the flag as
   * read-only, 3 move a's main branch to value b, 4 put token b for a, 5 remove token b), on ids
   * r0..r3.
   */
  record RegistryStep(int kind, int a, int b, boolean flag) {}

  /**
   * Random creates, deletes, forks (of existing and missing parents, onto free and taken ids,
   * read-only or not), ref moves and token puts and removes: every outcome ({@code create}
   * present or empty, {@link DeleteResult}, fork present, empty or {@link
   * IllegalArgumentException}) and, after every step, the listing, each repository's parent,
   * read-only flag and refs, {@code forks} of every id and the tokens of every id match the model.
   */
  @Test
  public void registryOperationsMatchTheModel() {
    Gen<RegistryStep> step =
        integers().between(0, 5)
            .zip(integers().between(0, IDS.size() - 1), integers().between(0, IDS.size() - 1), booleans().all(), RegistryStep::new);
    check(lists().of(step).ofSizeBetween(1, 30), program -> onNewStorage(storage -> runRegistryProgram(storage, program)));
  }

  private void runRegistryProgram(Storage storage, List<RegistryStep> program) {
    RegistryModel model = new RegistryModel();
    Map<String, String> tokens = new TreeMap<>();
    int stepNo = 0;
    for (RegistryStep step : program) {
      stepNo++;
      String context = "step " + stepNo + " " + step;
      String a = IDS.get(step.a());
      String b = IDS.get(step.b());
      switch (step.kind()) {
        case 0 -> assertThat(storage.create(a).isPresent()).as(context + ": create").isEqualTo(model.create(a));
        case 1 -> {
          DeleteResult want = model.delete(a);
          assertThat(storage.delete(a)).as(context + ": delete").isEqualTo(want);
          if (want == DeleteResult.DELETED) {
            tokens.values().removeIf(a::equals);
          }
        }
        case 2 -> {
          Object got;
          try {
            got = storage.fork(a, b, step.flag());
          } catch (IllegalArgumentException e) {
            got = e;
          }
          if (!model.repos.containsKey(a)) {
            if (model.repos.containsKey(b)) {
              // Both "parent missing" and "child exists": the SPI does not say which wins.
              assertThat(got).as(context + ": fork").satisfiesAnyOf(
                  g -> assertThat(g).isInstanceOf(IllegalArgumentException.class),
                  g -> assertThat(g).isEqualTo(Optional.empty()));
            } else {
              assertThat(got).as(context + ": fork of a missing parent").isInstanceOf(IllegalArgumentException.class);
            }
          } else if (model.repos.containsKey(b)) {
            assertThat(got).as(context + ": fork onto a taken id").isEqualTo(Optional.empty());
          } else {
            assertThat(got).as(context + ": fork").isInstanceOf(Optional.class);
            assertThat((Optional<?>) got).as(context + ": fork").isPresent();
            model.repos.put(b, new RegistryModel.Repo(a, step.flag(), model.repos.get(a).refs));
          }
        }
        case 3 -> {
          RegistryModel.Repo repo = model.repos.get(a);
          if (repo != null) {
            RefValue current = repo.refs.get("refs/heads/main");
            RefValue next = VALUES.get(step.b());
            RefBatchResult r =
                storage.open(a).orElseThrow().refs()
                    .apply(List.of(new RefChange("refs/heads/main", current, next)));
            assertThat(r.applied()).as(context + ": compare-and-swap with the model's current value").isTrue();
            repo.refs.put("refs/heads/main", next);
          }
        }
        case 4 -> {
          if (model.repos.containsKey(a)) {
            String hash = TokenHashes.of("t" + step.b());
            storage.tokens().put(new TokenRecord(hash, a, step.flag() ? "read" : "write", 1_000L, 0));
            tokens.put(hash, a);
          }
        }
        default -> {
          String hash = TokenHashes.of("t" + step.b());
          assertThat(storage.tokens().remove(hash)).as(context + ": remove token").isEqualTo(tokens.remove(hash) != null);
        }
      }
      assertThat(storage.list(null, 100)).as(context + ": list").isEqualTo(new ArrayList<>(model.repos.keySet()));
      for (String id : IDS) {
        RegistryModel.Repo want = model.repos.get(id);
        Optional<RepositoryStore> got = storage.open(id);
        assertThat(got.isPresent()).as(context + ": open(" + id + ")").isEqualTo(want != null);
        if (want != null) {
          RepositoryStore r = got.get();
          assertThat(r.parentId()).as(context + ": parent of " + id).isEqualTo(Optional.ofNullable(want.parent));
          assertThat(r.readOnly()).as(context + ": readOnly of " + id).isEqualTo(want.readOnly);
          assertThat(r.refs().list("")).as(context + ": refs of " + id).isEqualTo(want.refs);
        }
        assertThat(storage.forks(id)).as(context + ": forks(" + id + ")").isEqualTo(model.forks(id));
        Set<String> wantTokens = new TreeSet<>();
        tokens.forEach((h, repo) -> {
          if (repo.equals(id)) {
            wantTokens.add(h);
          }
        });
        Set<String> gotTokens =
            storage.tokens().forRepository(id).stream().map(TokenRecord::hash).collect(Collectors.toCollection(TreeSet::new));
        assertThat(gotTokens)
            .as(context + ": tokens of " + id)
            .isEqualTo(wantTokens);
      }
    }
  }
}
