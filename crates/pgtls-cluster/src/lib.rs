//! Throwaway PostgreSQL clusters for tests and the demo: binary discovery, initdb, generated TLS certificates, start/stop
