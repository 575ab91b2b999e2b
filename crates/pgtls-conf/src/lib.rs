//! postgresql.conf reader: PostgreSQL's lexer, include chain, postgresql.auto.conf precedence, file:line for every value
