//! pgtls library
