package dev.artifacts.storage.mem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.internal.engine.EngineRepository;
import dev.artifacts.spi.RefChange;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.junit.jupiter.api.Test;

/**
 * The engine's ref change listener over the in-memory backend: the ordered part runs under the
 * repository's ref write lock, the unordered part (where the maintenance check lives) after it.
 */
class RefsChangedListenerTest {

  @Test
  void slowWorkAfterARefChangeDoesNotHoldUpTheNextRefWriteOfTheRepository() throws Exception {
    InMemoryStorage storage = new InMemoryStorage();
    CountDownLatch firstAfterEntered = new CountDownLatch(1);
    CountDownLatch releaseFirstAfter = new CountDownLatch(1);
    List<String> ordered = new CopyOnWriteArrayList<>();
    EngineRepository.RefsChangedListener listener =
        new EngineRepository.RefsChangedListener() {
          @Override
          public void refsChanged(EngineRepository repository, List<RefChange> changes) {
            changes.forEach(c -> ordered.add(c.name()));
          }

          @Override
          public void afterRefsChanged(EngineRepository repository) {
            if (firstAfterEntered.getCount() > 0) {
              firstAfterEntered.countDown();
              await(releaseFirstAfter);
            }
          }
        };
    try (EngineRepository repo =
        EngineRepository.open(storage.create("r").orElseThrow(), List.of(), listener)) {
      ObjectId commit = commit(repo);

      CompletableFuture<RefUpdate.Result> first =
          CompletableFuture.supplyAsync(() -> update(repo, "refs/heads/a", commit));
      assertThat(firstAfterEntered.await(30, TimeUnit.SECONDS)).isTrue();
      try {
        // Before the split this second write waited for the first one's slow listener work.
        RefUpdate.Result second =
            CompletableFuture.supplyAsync(() -> update(repo, "refs/heads/b", commit))
                .get(30, TimeUnit.SECONDS);
        assertThat(second).isEqualTo(RefUpdate.Result.NEW);
        assertThat(first).isNotDone();
      } finally {
        releaseFirstAfter.countDown();
      }
      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(RefUpdate.Result.NEW);
      assertThat(ordered).containsExactly("refs/heads/a", "refs/heads/b");
      assertThat(repo.exactRef("refs/heads/a").getObjectId()).isEqualTo(commit);
      assertThat(repo.exactRef("refs/heads/b").getObjectId()).isEqualTo(commit);
    } finally {
      storage.close();
    }
  }

  private static ObjectId commit(EngineRepository repo) throws Exception {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      ObjectId tree = ins.insert(Constants.OBJ_TREE, new byte[0]);
      CommitBuilder cb = new CommitBuilder();
      PersonIdent who = new PersonIdent("t", "t@example.com", 0L, 0);
      cb.setAuthor(who);
      cb.setCommitter(who);
      cb.setTreeId(tree);
      cb.setMessage("c\n");
      ObjectId id = ins.insert(cb);
      ins.flush();
      return id;
    }
  }

  private static RefUpdate.Result update(EngineRepository repo, String name, ObjectId to) {
    try {
      RefUpdate u = repo.updateRef(name);
      u.setExpectedOldObjectId(ObjectId.zeroId());
      u.setNewObjectId(to);
      return u.update();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
