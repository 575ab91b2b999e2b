//! pg_hba.conf engine: PostgreSQL's exact tokenizer and parser (12-18), first-match simulator, plaintext-reachability analysis
