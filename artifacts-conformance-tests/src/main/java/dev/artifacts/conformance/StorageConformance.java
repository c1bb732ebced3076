package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.TokenStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Contract tests for {@link Storage} (the registry of repositories: create, open, list, fork,
 * forks, delete), {@link RepositoryStore} and {@link TokenStore}.
 *
 * <p>What cannot be tested without injecting faults into the backend — that a create, fork or
 * delete interrupted by a backend failure or a crash leaves nothing behind — is approached from
 * the outside only: after failed and refused calls the registry is unchanged and the same ids
 * can be used again. Backends should add fault-injection tests of their own for the rest.
 *
 * <p>Subclass it in the backend's tests and implement {@link #fixture()}.
 */
public abstract class StorageConformance extends ConformanceSuite {
  private static final String MAIN = "refs/heads/main";

  private static final List<String> INVALID_IDS =
      Arrays.asList(
          null, "", " ", "a b", "a/b", "a.b", "..", "a:b", "é", "a\nb", "x".repeat(65), "tab\t", "semi;colon");

  private static TokenRecord token(String label, String repo) {
    return new TokenRecord(TokenHashes.of(label), repo, "write", 1_700_000_000_000L, 0);
  }

  /**
   * A created repository is empty (no refs, no packs), an original (no parent), writable, has the
   * id it was created with, returns the same object and ref stores on every call, and opens.
   */
  @Test
  public void createdRepositoryIsEmptyAndOpens() {
    Storage storage = newStorage();
    String id = uniqueId("new");
    RepositoryStore repo = createRepository(storage, id);
    assertThat(repo.id()).isEqualTo(id);
    assertThat(repo.parentId()).isEmpty();
    assertThat(repo.readOnly()).isFalse();
    assertThat(repo.refs().list("")).isEmpty();
    assertThat(repo.objects().listPacks()).isEmpty();
    assertThat(repo.objects()).isSameAs(repo.objects());
    assertThat(repo.refs()).isSameAs(repo.refs());

    RepositoryStore opened = storage.open(id).orElseThrow();
    assertThat(opened.id()).isEqualTo(id);
    assertThat(opened.parentId()).isEmpty();
    assertThat(opened.readOnly()).isFalse();
    // What is written through one handle is seen through the other.
    repo.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    assertThat(opened.refs().get(MAIN)).contains(RefValue.of(RefStoreConformance.id(1)));
    Packs.Written w = Packs.commitSmallPack(opened.objects(), 1);
    assertThat(repo.objects().listPacks()).containsExactly(w.descriptor());

    assertThat(storage.open(uniqueId("missing"))).isEmpty();
  }

  /** A duplicate create returns empty and leaves the existing repository untouched. */
  @Test
  public void duplicateCreateReturnsEmpty() {
    Storage storage = newStorage();
    String id = uniqueId("dup");
    RepositoryStore repo = createRepository(storage, id);
    repo.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    Packs.Written w = Packs.commitSmallPack(repo.objects(), 2);

    assertThat(storage.create(id)).isEmpty();
    RepositoryStore again = storage.open(id).orElseThrow();
    assertThat(again.refs().list("")).isEqualTo(Map.of(MAIN, RefValue.of(RefStoreConformance.id(1))));
    assertThat(again.objects().listPacks()).containsExactly(w.descriptor());
    assertThat(storage.list(null, 10)).containsExactly(id);
  }

  /** Exactly one of many threads creating the same id at once gets the repository. */
  @Test
  public void concurrentCreateOfOneIdHasOneWinner() throws Exception {
    Storage storage = newStorage();
    int threads = 6;
    for (int round = 0; round < 30; round++) {
      String id = uniqueId("race");
      CyclicBarrier barrier = new CyclicBarrier(threads);
      AtomicInteger created = new AtomicInteger();
      Concurrency.run(
          threads,
          t -> {
            barrier.await();
            if (storage.create(id).isPresent()) {
              created.incrementAndGet();
            }
          });
      assertThat(created.get()).as("creators of %s", id).isEqualTo(1);
    }
    assertThat(storage.list(null, 100)).hasSize(30);
  }

  /**
   * Every method taking a repository id rejects an invalid one (by {@link
   * dev.artifacts.spi.RepositoryIds}) with {@link IllegalArgumentException}, and creates nothing.
   * ({@link Storage#forks} may instead answer empty, as its own contract says "empty when it does
   * not exist", and may throw {@link NullPointerException} for a null id.)
   */
  @Test
  public void invalidIdsAreRejected() {
    Storage storage = newStorage();
    String valid = uniqueId("valid");
    createRepository(storage, valid);
    for (String bad : INVALID_IDS) {
      String shown = String.valueOf(bad).replace("\n", "\\n").replace("\t", "\\t");
      assertThatThrownBy(() -> storage.create(bad)).as("create(%s)", shown).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> storage.open(bad)).as("open(%s)", shown).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> storage.delete(bad)).as("delete(%s)", shown).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> storage.fork(valid, bad, false)).as("fork(valid, %s)", shown).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> storage.fork(bad, uniqueId("child"), false)).as("fork(%s, new)", shown).isInstanceOf(IllegalArgumentException.class);
      List<String> forks;
      try {
        forks = storage.forks(bad);
      } catch (IllegalArgumentException expected) {
        forks = List.of();
      } catch (NullPointerException e) {
        // Tolerated for a null id only: a null is a caller bug whichever exception reports it.
        if (bad != null) {
          throw e;
        }
        forks = List.of();
      }
      assertThat(forks).as("forks(%s)", shown).isEmpty();
    }
    assertThat(storage.list(null, 100)).containsExactly(valid);
    // The longest valid id, and every allowed character.
    String longest = "A".repeat(64);
    String allChars = "azAZ09-_";
    createRepository(storage, longest);
    createRepository(storage, allChars);
    assertThat(storage.open(longest)).isPresent();
    assertThat(storage.open(allChars)).isPresent();
  }

  /**
   * {@link Storage#list} returns ids in ascending {@link String#compareTo} order, at most {@code
   * limit}, strictly after {@code afterId} (which need not exist); paging through with any page
   * size visits every id exactly once. A limit below 1 is rejected with {@link
   * IllegalArgumentException}.
   */
  @Test
  public void listPagesInAscendingOrder() {
    Storage storage = newStorage();
    List<String> ids = new ArrayList<>();
    for (String s : List.of("a", "B", "b", "_x", "-y", "0", "9z", "Zz", "aa", "a-", "a_", "ab", "A", "z", "zz-top", "m1", "m10", "m2")) {
      ids.add(s);
    }
    List<String> shuffled = new ArrayList<>(ids);
    Collections.shuffle(shuffled, new Random(5));
    for (String id : shuffled) {
      createRepository(storage, id);
    }
    Collections.sort(ids);
    assertThat(storage.list(null, 1000)).isEqualTo(ids);
    for (int pageSize : List.of(1, 2, 5, 7, 18, 100)) {
      List<String> seen = new ArrayList<>();
      String after = null;
      for (int pages = 0; ; pages++) {
        assertThat(pages).as("pages of %d needed to list %d ids", pageSize, ids.size()).isLessThanOrEqualTo(ids.size() + 1);
        List<String> page = storage.list(after, pageSize);
        assertThat(page.size()).isLessThanOrEqualTo(pageSize);
        if (page.isEmpty()) {
          break;
        }
        if (after != null) {
          assertThat(page.get(0).compareTo(after)).as("list(\"%s\", %d) starts strictly after afterId", after, pageSize).isPositive();
        }
        seen.addAll(page);
        after = page.get(page.size() - 1);
      }
      assertThat(seen).as("pages of %d", pageSize).isEqualTo(ids);
    }
    assertThat(storage.list("b", 3)).isEqualTo(ids.subList(ids.indexOf("m1"), ids.indexOf("m1") + 3));
    assertThat(storage.list("a0", 2)).as("afterId that does not exist").isEqualTo(List.of("a_", "aa"));
    assertThat(storage.list("zz-top", 5)).isEmpty();
    assertThat(storage.list("zzz", 5)).isEmpty();
    assertThat(newStorage().list(null, 5)).as("a new storage has no repositories").isEmpty();
    assertThatThrownBy(() -> storage.list(null, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.list("a", -1)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Delete removes a repository with its refs, packs and tokens: {@code DELETED}, then it no
   * longer opens or lists, a second delete is {@code NOT_FOUND}, and a new repository with the
   * same id starts empty. Other repositories and their tokens are untouched.
   */
  @Test
  public void deleteRemovesEverythingOfTheRepository() {
    Storage storage = newStorage();
    String id = uniqueId("doomed");
    String other = uniqueId("other");
    RepositoryStore repo = createRepository(storage, id);
    RepositoryStore keep = createRepository(storage, other);
    repo.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1))), RefChange.create("HEAD", RefValue.symbolic(MAIN))));
    Packs.commitSmallPack(repo.objects(), 1);
    keep.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(2)))));
    Packs.Written kept = Packs.commitSmallPack(keep.objects(), 2);
    storage.tokens().put(token("h1", id));
    storage.tokens().put(token("h2", id));
    storage.tokens().put(token("h3", other));

    assertThat(storage.delete(id)).isEqualTo(DeleteResult.DELETED);
    assertThat(storage.open(id)).isEmpty();
    assertThat(storage.list(null, 10)).containsExactly(other);
    assertThat(storage.tokens().find(TokenHashes.of("h1"))).isEmpty();
    assertThat(storage.tokens().find(TokenHashes.of("h2"))).isEmpty();
    assertThat(storage.tokens().forRepository(id)).isEmpty();
    assertThat(storage.delete(id)).isEqualTo(DeleteResult.NOT_FOUND);
    assertThat(storage.delete(uniqueId("never"))).isEqualTo(DeleteResult.NOT_FOUND);

    RepositoryStore reborn = createRepository(storage, id);
    assertThat(reborn.refs().list("")).isEmpty();
    assertThat(reborn.objects().listPacks()).isEmpty();
    assertThat(storage.tokens().forRepository(id)).isEmpty();

    assertThat(keep.refs().get(MAIN)).contains(RefValue.of(RefStoreConformance.id(2)));
    assertThat(storage.open(other).orElseThrow().objects().listPacks()).containsExactly(kept.descriptor());
    assertThat(storage.tokens().find(TokenHashes.of("h3"))).contains(token("h3", other));
  }

  /**
   * Failed and refused calls leave no partial repository: after an invalid create, a duplicate
   * create, a fork of a missing parent and a fork onto a taken id, the registry, the refs and the
   * packs are exactly as before, and the ids involved can still be created.
   */
  @Test
  public void failedCallsLeaveNoPartialRepository() {
    Storage storage = newStorage();
    String existing = uniqueId("existing");
    RepositoryStore repo = createRepository(storage, existing);
    repo.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    List<PackDescriptor> packs = List.of(Packs.commitSmallPack(repo.objects(), 1).descriptor());

    assertThatThrownBy(() -> storage.create("not valid")).isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.create(existing)).isEmpty();
    String orphan = uniqueId("orphan");
    assertThatThrownBy(() -> storage.fork(uniqueId("no-parent"), orphan, false)).isInstanceOf(IllegalArgumentException.class);
    String other = uniqueId("other");
    createRepository(storage, other);
    assertThat(storage.fork(other, existing, true)).isEmpty();

    assertThat(storage.list(null, 10)).containsExactlyInAnyOrder(existing, other);
    assertThat(storage.open(orphan)).isEmpty();
    RepositoryStore again = storage.open(existing).orElseThrow();
    assertThat(again.parentId()).as("a refused fork onto an existing id changes nothing").isEmpty();
    assertThat(again.readOnly()).isFalse();
    assertThat(again.refs().list("")).isEqualTo(Map.of(MAIN, RefValue.of(RefStoreConformance.id(1))));
    assertThat(again.objects().listPacks()).isEqualTo(packs);
    assertThat(storage.forks(other)).isEmpty();

    RepositoryStore created = createRepository(storage, orphan);
    assertThat(created.refs().list("")).isEmpty();
    assertThat(created.parentId()).isEmpty();
  }

  /**
   * A fork starts with a copy of all the parent's refs including symbolic HEAD, owns no packs,
   * records its parent and read-only flag, and is listed by {@link Storage#forks} (ascending) and
   * {@link Storage#list}.
   */
  @Test
  public void forkCopiesRefsAndRecordsItsParent() {
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    p.refs().apply(
        List.of(
            RefChange.create("HEAD", RefValue.symbolic(MAIN)),
            RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1))),
            RefChange.create("refs/tags/t", RefValue.peeled(RefStoreConformance.id(2), RefStoreConformance.id(3)))));
    Packs.commitSmallPack(p.objects(), 1);
    Map<String, RefValue> refs = p.refs().list("");

    String writable = parent + "-w";
    String readOnly = parent + "-r";
    RepositoryStore w = storage.fork(parent, writable, false).orElseThrow();
    RepositoryStore r = storage.fork(parent, readOnly, true).orElseThrow();
    for (RepositoryStore f : List.of(w, r, storage.open(writable).orElseThrow(), storage.open(readOnly).orElseThrow())) {
      assertThat(f.parentId()).contains(parent);
      assertThat(f.refs().list("")).isEqualTo(refs);
      assertThat(f.objects().listPacks()).as("a fork owns no packs").isEmpty();
    }
    assertThat(w.id()).isEqualTo(writable);
    assertThat(w.readOnly()).isFalse();
    assertThat(r.readOnly()).isTrue();
    assertThat(storage.open(readOnly).orElseThrow().readOnly()).isTrue();
    assertThat(storage.forks(parent)).containsExactly(readOnly, writable);
    assertThat(storage.forks(writable)).isEmpty();
    assertThat(storage.forks(uniqueId("missing"))).isEmpty();
    assertThat(storage.list(null, 10)).containsExactly(parent, readOnly, writable);
  }

  /**
   * A fork of an empty repository is an empty fork: with no refs at all when the parent has none,
   * with the parent's unborn HEAD only when that is all it has.
   */
  @Test
  public void forkOfAnEmptyRepository() {
    Storage storage = newStorage();
    String bare = uniqueId("bare");
    createRepository(storage, bare);
    assertThat(storage.fork(bare, uniqueId("f"), false).orElseThrow().refs().list("")).isEmpty();
    String parent = uniqueId("empty");
    createRepository(storage, parent).refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic(MAIN))));
    RepositoryStore f = storage.fork(parent, uniqueId("f"), false).orElseThrow();
    assertThat(f.refs().list("")).isEqualTo(Map.of("HEAD", RefValue.symbolic(MAIN)));
  }

  /** A detached HEAD (an object id, not a symbolic ref) is copied to the fork as it is. */
  @Test
  public void forkCopiesADetachedHead() {
    Storage storage = newStorage();
    String parent = uniqueId("detached");
    RefValue detached = RefValue.of(RefStoreConformance.id(3));
    createRepository(storage, parent).refs().apply(List.of(RefChange.create("HEAD", detached)));
    RepositoryStore f = storage.fork(parent, uniqueId("f"), true).orElseThrow();
    assertThat(f.refs().list("")).isEqualTo(Map.of("HEAD", detached));
    assertThat(f.refs().get("HEAD")).contains(detached);
  }

  /**
   * Later changes on either side never show in the other: refs and packs of the parent after the
   * fork, and refs (HEAD moved, a copied tag deleted) and packs of the fork.
   */
  @Test
  public void forkIsIsolatedBothWays() {
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    RefValue tag = RefValue.of(RefStoreConformance.id(6));
    p.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1))), RefChange.create("HEAD", RefValue.symbolic(MAIN)), RefChange.create("refs/tags/t", tag)));
    List<PackDescriptor> parentPacks = List.of(Packs.commitSmallPack(p.objects(), 1).descriptor());
    RepositoryStore f = storage.fork(parent, uniqueId("f"), false).orElseThrow();

    p.refs().apply(List.of(RefChange.update(MAIN, RefValue.of(RefStoreConformance.id(1)), RefValue.of(RefStoreConformance.id(2))), RefChange.create("refs/heads/p-only", RefValue.of(RefStoreConformance.id(3)))));
    Packs.Written parentLater = Packs.commitSmallPack(p.objects(), 2);
    assertThat(f.refs().list("")).isEqualTo(Map.of(MAIN, RefValue.of(RefStoreConformance.id(1)), "HEAD", RefValue.symbolic(MAIN), "refs/tags/t", tag));
    assertThat(f.objects().listPacks()).isEmpty();
    assertThat(f.objects().open(parentLater.name(), "pack")).isEmpty();

    RefBatchResult r =
        f.refs().apply(
            List.of(
                RefChange.update(MAIN, RefValue.of(RefStoreConformance.id(1)), RefValue.of(RefStoreConformance.id(4))),
                RefChange.create("refs/heads/f-only", RefValue.of(RefStoreConformance.id(5))),
                RefChange.update("HEAD", RefValue.symbolic(MAIN), RefValue.symbolic("refs/heads/f-only")),
                RefChange.delete("refs/tags/t", tag)));
    assertThat(r.applied()).isTrue();
    Packs.Written forkPack = Packs.commitSmallPack(f.objects(), 3);
    assertThat(p.refs().list(""))
        .isEqualTo(
            Map.of(
                MAIN, RefValue.of(RefStoreConformance.id(2)), "refs/heads/p-only", RefValue.of(RefStoreConformance.id(3)),
                "HEAD", RefValue.symbolic(MAIN), "refs/tags/t", tag));
    assertThat(f.refs().list(""))
        .isEqualTo(
            Map.of(
                MAIN, RefValue.of(RefStoreConformance.id(4)), "refs/heads/f-only", RefValue.of(RefStoreConformance.id(5)),
                "HEAD", RefValue.symbolic("refs/heads/f-only")));
    List<PackDescriptor> expectedParent = new ArrayList<>(parentPacks);
    expectedParent.add(parentLater.descriptor());
    assertThat(p.objects().listPacks()).containsExactlyInAnyOrderElementsOf(expectedParent);
    assertThat(p.objects().open(forkPack.name(), "pack")).isEmpty();
    assertThat(f.objects().listPacks()).containsExactly(forkPack.descriptor());
  }

  /** A fork of a fork records the fork as its parent and copies the fork's refs. */
  @Test
  public void forkOfAFork() {
    Storage storage = newStorage();
    String a = uniqueId("a");
    createRepository(storage, a).refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    String b = uniqueId("b");
    RepositoryStore fb = storage.fork(a, b, false).orElseThrow();
    fb.refs().apply(List.of(RefChange.create("refs/heads/b", RefValue.of(RefStoreConformance.id(2)))));
    String c = uniqueId("c");
    RepositoryStore fc = storage.fork(b, c, true).orElseThrow();
    assertThat(fc.parentId()).contains(b);
    assertThat(fc.readOnly()).isTrue();
    assertThat(fc.refs().list("")).isEqualTo(fb.refs().list(""));
    assertThat(storage.forks(a)).containsExactly(b);
    assertThat(storage.forks(b)).containsExactly(c);
    assertThat(storage.forks(c)).isEmpty();
  }

  /** A fork of a missing parent throws {@link IllegalArgumentException} and creates nothing. */
  @Test
  public void forkOfMissingParentIsRejected() {
    Storage storage = newStorage();
    String child = uniqueId("child");
    assertThatThrownBy(() -> storage.fork(uniqueId("nobody"), child, false)).isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.open(child)).isEmpty();
    assertThat(storage.list(null, 10)).isEmpty();
    // Deleted parents are missing too.
    String gone = uniqueId("gone");
    createRepository(storage, gone);
    storage.delete(gone);
    assertThatThrownBy(() -> storage.fork(gone, child, false)).isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.list(null, 10)).isEmpty();
  }

  /**
   * Deleting a repository with forks returns {@code HAS_FORKS} and removes nothing (refs, packs,
   * tokens stay, and handles held before keep working); once its forks are deleted, it can be
   * deleted.
   */
  @Test
  public void deleteOfAParentWithForksIsRefused() {
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    p.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    Packs.Written pack = Packs.commitSmallPack(p.objects(), 1);
    storage.tokens().put(token("parent-token", parent));
    String child = uniqueId("c");
    storage.fork(parent, child, false).orElseThrow();
    String grandchild = uniqueId("g");
    storage.fork(child, grandchild, false).orElseThrow();

    assertThat(storage.delete(parent)).isEqualTo(DeleteResult.HAS_FORKS);
    assertThat(storage.delete(child)).isEqualTo(DeleteResult.HAS_FORKS);
    RepositoryStore still = storage.open(parent).orElseThrow();
    assertThat(still.refs().list("")).isEqualTo(Map.of(MAIN, RefValue.of(RefStoreConformance.id(1))));
    assertThat(still.objects().listPacks()).containsExactly(pack.descriptor());
    assertThat(Packs.readAll(still.objects(), pack.name(), "pack")).isEqualTo(pack.files().get("pack"));
    assertThat(storage.tokens().find(TokenHashes.of("parent-token"))).isPresent();
    assertThat(storage.list(null, 10)).containsExactlyInAnyOrder(parent, child, grandchild);
    RefValue later = RefValue.of(RefStoreConformance.id(9));
    assertThat(p.refs().apply(List.of(RefChange.create("refs/heads/later", later))).applied())
        .as("the handle held before the refused delete still works")
        .isTrue();
    assertThat(storage.open(parent).orElseThrow().refs().get("refs/heads/later")).contains(later);

    assertThat(storage.delete(grandchild)).isEqualTo(DeleteResult.DELETED);
    assertThat(storage.forks(child)).isEmpty();
    assertThat(storage.delete(child)).isEqualTo(DeleteResult.DELETED);
    assertThat(storage.forks(parent)).isEmpty();
    assertThat(storage.delete(parent)).isEqualTo(DeleteResult.DELETED);
    assertThat(storage.list(null, 10)).isEmpty();
    assertThat(storage.tokens().find(TokenHashes.of("parent-token"))).isEmpty();
  }

  /**
   * A fork copies the parent's refs at one instant: while a writer moves two refs of the parent
   * together in atomic batches, every fork taken meanwhile has them equal.
   */
  @Test
  public void forkCopiesRefsAtOneInstant() throws Exception {
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    String a = "refs/heads/a";
    String b = "refs/heads/b";
    p.refs().apply(List.of(RefChange.create(a, RefValue.of(RefStoreConformance.id(0))), RefChange.create(b, RefValue.of(RefStoreConformance.id(0)))));
    AtomicBoolean forking = new AtomicBoolean(true);
    AtomicReference<String> torn = new AtomicReference<>();
    int forks = 60;
    Concurrency.run(
        2,
        t -> {
          if (t == 0) {
            long n = 0;
            while (forking.get()) {
              RefValue cur = RefValue.of(RefStoreConformance.id(n));
              RefValue next = RefValue.of(RefStoreConformance.id(++n));
              RefBatchResult r = p.refs().apply(List.of(RefChange.update(a, cur, next), RefChange.update(b, cur, next)));
              if (!r.applied()) {
                throw new AssertionError("the only writer missed its own compare-and-swap: " + r);
              }
            }
          } else {
            try {
              for (int i = 0; i < forks; i++) {
                String id = parent + "-f" + i;
                Map<String, RefValue> copied = storage.fork(parent, id, false).orElseThrow().refs().list("");
                if (!copied.get(a).equals(copied.get(b))) {
                  torn.compareAndSet(null, "fork " + id + " copied a=" + copied.get(a) + " b=" + copied.get(b));
                }
              }
            } finally {
              forking.set(false);
            }
          }
        });
    assertThat(torn.get()).isNull();
    assertThat(storage.forks(parent)).hasSize(forks);
  }

  /**
   * A fork racing the deletion of its parent never outlives it: either the fork succeeds and the
   * delete answers {@code HAS_FORKS}, or the delete succeeds and the fork fails with {@link
   * IllegalArgumentException} leaving nothing behind.
   */
  @Test
  public void forkRacingDeleteOfItsParentNeverOrphans() throws Exception {
    Storage storage = newStorage();
    for (int round = 0; round < 40; round++) {
      String parent = uniqueId("p");
      String child = parent + "-c";
      createRepository(storage, parent);
      CyclicBarrier barrier = new CyclicBarrier(2);
      AtomicReference<Optional<RepositoryStore>> forked = new AtomicReference<>();
      AtomicReference<DeleteResult> deleted = new AtomicReference<>();
      Concurrency.run(
          2,
          t -> {
            barrier.await();
            if (t == 0) {
              try {
                forked.set(storage.fork(parent, child, false));
              } catch (IllegalArgumentException e) {
                forked.set(null);
              }
            } else {
              deleted.set(storage.delete(parent));
            }
          });
      if (forked.get() != null) {
        assertThat(forked.get()).isPresent();
        assertThat(deleted.get()).as("round %d: delete after a successful fork", round).isEqualTo(DeleteResult.HAS_FORKS);
        assertThat(storage.open(parent)).isPresent();
        assertThat(storage.open(child).orElseThrow().parentId()).contains(parent);
        assertThat(storage.delete(child)).isEqualTo(DeleteResult.DELETED);
        assertThat(storage.delete(parent)).isEqualTo(DeleteResult.DELETED);
      } else {
        assertThat(deleted.get()).isEqualTo(DeleteResult.DELETED);
        assertThat(storage.open(child)).as("round %d: no orphan fork", round).isEmpty();
      }
    }
    assertThat(storage.list(null, 10)).isEmpty();
  }

  /**
   * Tokens: put, find by hash, list by repository, replace on the same hash, remove (true once,
   * then false; unknown hashes, and strings that are no hash at all, are not an error).
   */
  @Test
  public void tokensArePutFoundListedAndRemoved() {
    Storage storage = newStorage();
    TokenStore tokens = storage.tokens();
    assertThat(tokens).isSameAs(storage.tokens());
    String a = uniqueId("a");
    String b = uniqueId("b");
    createRepository(storage, a);
    createRepository(storage, b);
    TokenRecord t1 = new TokenRecord(TokenHashes.of("aa11"), a, "write", 1_000L, 0);
    TokenRecord t2 = new TokenRecord(TokenHashes.of("bb22"), a, "read", 2_000L, 9_000L);
    TokenRecord t3 = new TokenRecord(TokenHashes.of("cc33"), b, "read", 3_000L, 0);
    tokens.put(t1);
    tokens.put(t2);
    tokens.put(t3);
    assertThat(tokens.find(TokenHashes.of("aa11"))).contains(t1);
    assertThat(tokens.find(TokenHashes.of("bb22"))).contains(t2);
    assertThat(tokens.find(TokenHashes.of("zz99"))).isEmpty();
    assertThat(tokens.forRepository(a)).containsExactlyInAnyOrder(t1, t2);
    assertThat(tokens.forRepository(b)).containsExactly(t3);
    assertThat(tokens.forRepository(uniqueId("none"))).isEmpty();

    TokenRecord replaced = new TokenRecord(TokenHashes.of("aa11"), b, "read", 4_000L, 5_000L);
    tokens.put(replaced);
    assertThat(tokens.find(TokenHashes.of("aa11"))).contains(replaced);
    assertThat(tokens.forRepository(a)).containsExactly(t2);
    assertThat(tokens.forRepository(b)).containsExactlyInAnyOrder(t3, replaced);

    assertThat(tokens.remove(TokenHashes.of("bb22"))).isTrue();
    assertThat(tokens.remove(TokenHashes.of("bb22"))).isFalse();
    assertThat(tokens.remove(TokenHashes.of("never"))).isFalse();
    for (String notAHash : List.of("nope", "../" + TokenHashes.of("aa11"), "")) {
      assertThat(tokens.find(notAHash)).as("find(\"%s\")", notAHash).isEmpty();
      assertThat(tokens.remove(notAHash)).as("remove(\"%s\")", notAHash).isFalse();
    }
    assertThat(tokens.find(TokenHashes.of("bb22"))).isEmpty();
    assertThat(tokens.forRepository(a)).isEmpty();
  }

  /** Closing a storage twice is harmless and does not throw. */
  @Test
  public void closeTwiceIsHarmless() {
    Storage storage = newStorage();
    createRepository(storage, uniqueId("x"));
    assertThatCode(storage::close).doesNotThrowAnyException();
    assertThatCode(storage::close).doesNotThrowAnyException();
  }

  /**
   * ({@link Capability#REOPEN}) Forks survive close and reopen with everything that makes them
   * forks: a writable fork's own packs (byte for byte, not shown in the parent), a fork of that
   * fork which never committed (and accepts its first pack after the reopen), the {@link
   * Storage#forks} of every level, and the absence of a fork deleted before, with its tokens.
   */
  @Test
  public void forksSurviveReopen() {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    p.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic(MAIN)), RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1)))));
    Packs.Written parentPack = Packs.commitSmallPack(p.objects(), 1);
    Map<String, RefValue> refs = p.refs().list("");
    String fork = parent + "-w";
    RepositoryStore w = storage.fork(parent, fork, false).orElseThrow();
    Packs.Written forkPack = Packs.commitSmallPack(w.objects(), 2);
    String forkOfFork = fork + "-w";
    storage.fork(fork, forkOfFork, false).orElseThrow();
    String gone = parent + "-gone";
    storage.fork(parent, gone, false).orElseThrow();
    storage.tokens().put(token("gone-token", gone));
    assertThat(storage.delete(gone)).isEqualTo(DeleteResult.DELETED);

    Storage again = closeAndReopen(storage);
    assertThat(again.list(null, 10)).containsExactly(parent, fork, forkOfFork);
    assertThat(again.forks(parent)).containsExactly(fork);
    assertThat(again.forks(fork)).containsExactly(forkOfFork);
    assertThat(again.forks(forkOfFork)).isEmpty();
    assertThat(again.open(gone)).isEmpty();
    assertThat(again.tokens().find(TokenHashes.of("gone-token"))).isEmpty();
    RepositoryStore w2 = again.open(fork).orElseThrow();
    assertThat(w2.parentId()).contains(parent);
    assertThat(w2.readOnly()).isFalse();
    assertThat(w2.objects().listPacks()).containsExactly(forkPack.descriptor());
    assertThat(Packs.readAll(w2.objects(), forkPack.name(), "pack")).isEqualTo(forkPack.files().get("pack"));
    assertThat(again.open(parent).orElseThrow().objects().listPacks()).containsExactly(parentPack.descriptor());
    RepositoryStore ww = again.open(forkOfFork).orElseThrow();
    assertThat(ww.parentId()).contains(fork);
    assertThat(ww.refs().list("")).isEqualTo(refs);
    assertThat(ww.objects().listPacks()).isEmpty();
    Packs.Written first = Packs.commitSmallPack(ww.objects(), 3);
    assertThat(ww.objects().listPacks()).containsExactly(first.descriptor());
    assertThat(w2.objects().listPacks()).containsExactly(forkPack.descriptor());
  }

  /**
   * ({@link Capability#REOPEN}) Repositories, refs (symbolic HEAD and other symbolic refs, peeled
   * ids, including a peeled id equal to the object id, and unknown peeling), packs, forks with
   * their parent and read-only flag, and tokens survive close and reopen; deleted repositories and
   * removed tokens stay gone.
   */
  @Test
  public void everythingSurvivesReopen() {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    String parent = uniqueId("p");
    RepositoryStore p = createRepository(storage, parent);
    p.refs().apply(
        List.of(
            RefChange.create("HEAD", RefValue.symbolic(MAIN)),
            RefChange.create(MAIN, RefValue.of(RefStoreConformance.id(1))),
            RefChange.create("refs/tags/t", RefValue.peeled(RefStoreConformance.id(2), RefStoreConformance.id(3))),
            RefChange.create("refs/tags/self-peeled", RefValue.peeled(RefStoreConformance.id(5), RefStoreConformance.id(5))),
            RefChange.create("refs/heads/alias", RefValue.symbolic(MAIN))));
    Packs.Written pack = Packs.commitSmallPack(p.objects(), 1);
    String child = parent + "-ro";
    storage.fork(parent, child, true).orElseThrow().refs().apply(List.of(RefChange.create("refs/heads/c", RefValue.of(RefStoreConformance.id(4)))));
    String gone = uniqueId("gone");
    createRepository(storage, gone);
    storage.delete(gone);
    storage.tokens().put(token("keep", parent));
    storage.tokens().put(token("drop", parent));
    storage.tokens().remove(TokenHashes.of("drop"));
    Map<String, RefValue> parentRefs = p.refs().list("");
    Map<String, RefValue> childRefs = storage.open(child).orElseThrow().refs().list("");

    Storage again = closeAndReopen(storage);
    assertThat(again.list(null, 10)).containsExactly(parent, child);
    RepositoryStore p2 = again.open(parent).orElseThrow();
    assertThat(p2.parentId()).isEmpty();
    assertThat(p2.readOnly()).isFalse();
    assertThat(p2.refs().list("")).isEqualTo(parentRefs);
    assertThat(p2.objects().listPacks()).containsExactly(pack.descriptor());
    assertThat(Packs.readAll(p2.objects(), pack.name(), "pack")).isEqualTo(pack.files().get("pack"));
    RepositoryStore c2 = again.open(child).orElseThrow();
    assertThat(c2.parentId()).contains(parent);
    assertThat(c2.readOnly()).isTrue();
    assertThat(c2.refs().list("")).isEqualTo(childRefs);
    assertThat(again.forks(parent)).containsExactly(child);
    assertThat(again.delete(parent)).isEqualTo(DeleteResult.HAS_FORKS);
    assertThat(again.open(gone)).isEmpty();
    assertThat(again.tokens().find(TokenHashes.of("keep"))).contains(token("keep", parent));
    assertThat(again.tokens().find(TokenHashes.of("drop"))).isEmpty();
  }
}
