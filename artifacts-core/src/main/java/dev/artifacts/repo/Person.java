package dev.artifacts.repo;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * The author or committer of a commit.
 *
 * @param name the name as recorded (may be empty, never null)
 * @param email the e-mail address as recorded (may be empty, never null)
 * @param when the time, with the time-zone offset the commit recorded; never null
 */
public record Person(String name, String email, OffsetDateTime when) {
  public Person {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(when, "when");
  }
}
