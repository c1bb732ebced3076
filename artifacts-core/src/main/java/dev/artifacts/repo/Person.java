package dev.artifacts.repo;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * The author or committer of a commit: as recorded in a commit {@link Repo} reads, or as given
 * to {@link Repo#commit} and {@link Repo#merge}.
 *
 * @param name the name as recorded, never null; in a request not blank, without {@code <},
 *     {@code >} or control characters
 * @param email the e-mail address as recorded (may be empty, never null); in a request without
 *     {@code <}, {@code >} or control characters
 * @param when the time with the time-zone offset the commit recorded; never null in what a
 *     {@link Repo} returns. In a request, null means the moment the commit is made
 */
public record Person(String name, String email, OffsetDateTime when) {
  public Person {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(email, "email");
  }

  /** A person for a request, dated when the commit is made. */
  public Person(String name, String email) {
    this(name, email, null);
  }
}
