//! Harness for end-to-end tests against the local cluster.
