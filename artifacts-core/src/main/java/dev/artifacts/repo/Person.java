package dev.artifacts.repo;

import java.util.Objects;

/**
 * The author of a commit or merge made through {@link Repo}.
 *
 * @param name the name git shows; not blank, no {@code <}, {@code >} or line breaks
 * @param email the email git shows; may be empty, no {@code <}, {@code >} or line breaks
 */
public record Person(String name, String email) {
  public Person {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(email, "email");
  }
}
