package io.gatehouse.servlet;

/** A public class with a no-argument constructor that is not a {@link GatewayFactory}. */
public final class NotAFactory {
}
