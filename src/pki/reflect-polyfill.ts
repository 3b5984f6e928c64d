/**
 * The reflect-metadata polyfill, alone in its module. When @peculiar/x509 is reached through a
 * dynamic import the bundler hoists the imported packages' evaluation above the polyfill's
 * side-effect import in the same file, and tsyringe throws "requires a reflect polyfill"; a
 * module of its own is evaluated first.
 */
import "reflect-metadata";
