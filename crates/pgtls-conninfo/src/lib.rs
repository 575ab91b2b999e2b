//! Client connection strings: libpq key=value and URI grammar, environment and service-file precedence, sslmode semantics
