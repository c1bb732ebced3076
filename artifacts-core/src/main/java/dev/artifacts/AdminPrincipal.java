package dev.artifacts;

/** The holder of the admin token: allowed everything, on every repository. */
public final class AdminPrincipal implements Principal {
  /** The only instance. */
  public static final AdminPrincipal INSTANCE = new AdminPrincipal();

  private AdminPrincipal() {}

  @Override
  public String name() {
    return "admin";
  }

  @Override
  public String toString() {
    return "AdminPrincipal";
  }
}
