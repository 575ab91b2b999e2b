//! The scanner on the sample repository (examples/clients) and on hostile
//! input; `--fix` round trips.

use std::path::{Path, PathBuf};

use pgtls_clients::fix::{self, FixMode, FixOptions};
use pgtls_clients::report;
use pgtls_clients::scan::{scan, ScanOptions, ScanReport};
use pgtls_clients::Verdict;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/clients")
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&t).unwrap();
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

fn rows(r: &ScanReport, root: &Path) -> Vec<(String, u32, String, String, String)> {
    let root = root.display().to_string();
    r.findings
        .iter()
        .map(|f| {
            (
                f.file
                    .strip_prefix(&root)
                    .unwrap_or(&f.file)
                    .trim_start_matches('/')
                    .to_string(),
                f.line,
                f.assessment.code.to_string(),
                f.assessment.driver.to_string(),
                f.assessment.effective_sslmode.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn sample_repository_inventory_is_complete_and_redacted() {
    let root = sample();
    let r = scan(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
    let got = rows(&r, &root);
    let want: Vec<(&str, u32, &str, &str, &str)> = vec![
        ("api/app/db.py", 5, "PGT406", "asyncpg", "require"),
        ("api/app/worker.py", 4, "PGT402", "psycopg2", "prefer"),
        ("deploy/docker-compose.yml", 5, "PGT401", "libpq", "disable"),
        (
            "deploy/docker-compose.yml",
            6,
            "PGT407",
            "environment",
            "disable",
        ),
        (
            "deploy/docker-compose.yml",
            10,
            "PGT405",
            "libpq",
            "verify-full",
        ),
        (
            "deploy/k8s/deployment.yaml",
            14,
            "PGT407",
            "environment",
            "prefer",
        ),
        (
            "django_site/mysite/settings.py",
            12,
            "PGT401",
            "django",
            "disable",
        ),
        ("dotnet/appsettings.json", 3, "PGT401", "npgsql", "Disable"),
        (
            "dotnet/appsettings.json",
            4,
            "PGT405",
            "npgsql",
            "VerifyFull",
        ),
        ("go/main.go", 11, "PGT403", "go-pq", "require"),
        (
            "java/src/main/java/shop/Db.java",
            8,
            "PGT402",
            "pgjdbc",
            "prefer",
        ),
        (
            "java/src/main/java/shop/Db.java",
            9,
            "PGT405",
            "pgjdbc",
            "verify-full",
        ),
        ("ops/pg_service.conf", 5, "PGT405", "libpq", "verify-full"),
        ("ops/pg_service.conf", 8, "PGT402", "libpq", "prefer"),
        ("ops/pgbouncer.ini", 2, "PGT409", "pgbouncer", "prefer"),
        ("ops/pgbouncer.ini", 3, "PGT411", "pgbouncer", "prefer"),
        ("ops/pgbouncer.ini", 9, "PGT408", "pgbouncer", "disable"),
        ("ops/scripts/backup.sh", 3, "PGT407", "environment", "allow"),
        ("ops/scripts/backup.sh", 4, "PGT402", "libpq", "allow"),
        ("ops/scripts/backup.sh", 5, "PGT405", "libpq", "verify-full"),
        (
            "rails/config/database.yml",
            11,
            "PGT401",
            "rails",
            "disable",
        ),
        ("rails/config/database.yml", 13, "PGT402", "rails", "prefer"),
        ("rust/src/main.rs", 6, "PGT405", "sqlx", "verify-full"),
        (
            "standby/postgresql.auto.conf",
            2,
            "PGT402",
            "walreceiver",
            "prefer",
        ),
        ("web/.env", 2, "PGT401", "node-postgres", "disable"),
        ("web/src/db.js", 7, "PGT403", "node-postgres", "no-verify"),
        (
            "web/src/report.ts",
            10,
            "PGT401",
            "node-postgres",
            "disable",
        ),
    ];
    let want: Vec<_> = want
        .into_iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b,
                c.to_string(),
                d.to_string(),
                e.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    // .gitignore is honoured.
    assert!(r.findings.iter().all(|f| !f.file.contains("ignored/")));
    // Environment precedence inside the tree.
    let f = r
        .findings
        .iter()
        .find(|f| f.file.ends_with("docker-compose.yml") && f.line == 5)
        .unwrap();
    assert!(
        f.assessment.sslmode_source.starts_with("PGSSLMODE ("),
        "{}",
        f.assessment.sslmode_source
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.file.ends_with("backup.sh") && f.line == 5)
        .unwrap();
    assert!(
        f.assessment.sslmode_source.contains("service \"shop\""),
        "{}",
        f.assessment.sslmode_source
    );
    // Impact preview fields.
    let f = r
        .findings
        .iter()
        .find(|f| f.file.ends_with("worker.py"))
        .unwrap();
    assert_eq!(
        (
            f.assessment.host.as_deref(),
            f.assessment.port,
            f.assessment.user.as_deref(),
            f.assessment.database.as_deref()
        ),
        (
            Some("db.internal"),
            Some(5432),
            Some("worker"),
            Some("shop")
        )
    );
    // No password anywhere in what is shown.
    let json = serde_json::to_string(&report::scan_json(&r, None)).unwrap();
    let text = report::scan_text(&r, pgtls_model::Severity::Info);
    for out in [&json, &text] {
        assert!(!out.contains("canary-"), "a password leaked");
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema_version"], 1);
    for key in [
        "file",
        "line",
        "driver",
        "effective_sslmode",
        "may_be_plaintext",
        "verifies_server_cert",
        "fix",
        "host",
        "port",
        "user",
        "database",
    ] {
        assert!(v["findings"][0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn fix_require_rewrites_weak_settings_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample(), dir.path());
    let root = dir.path().to_path_buf();
    let before = scan(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
    let opts = FixOptions {
        mode: FixMode::Require,
        sslrootcert: None,
    };
    let plan = fix::plan(&before, &opts);
    let diff = fix::diff(&plan);
    assert!(!diff.contains("canary-"), "diff leaks a password");
    let originals: Vec<(PathBuf, Vec<u8>)> = plan
        .files
        .iter()
        .map(|f| (f.path.clone(), f.original.clone()))
        .collect();
    fix::apply(&plan).unwrap();
    let after = scan(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
    let weak: Vec<_> = after
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.assessment.verdict,
                Verdict::Plaintext | Verdict::MayBePlaintext
            )
        })
        .map(|f| format!("{}:{} {}", f.file, f.line, f.setting))
        .collect();
    assert!(
        weak.is_empty(),
        "still weak after --fix: {weak:#?}\nnot fixed: {:#?}",
        plan.not_fixed
    );
    // Exactly the planned lines changed; every other byte is identical.
    for (path, orig) in originals {
        let new = std::fs::read(&path).unwrap();
        let o = String::from_utf8(orig).unwrap();
        let n = String::from_utf8(new).unwrap();
        let changed = similar::TextDiff::from_lines(&o, &n)
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .count();
        assert!(changed <= 4, "{}: {changed} changed lines", path.display());
    }
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    assert!(read("api/app/db.py")
        .contains("\"postgresql+asyncpg://api:canary-api-1@db.internal:5432/shop?ssl=require\""));
    assert!(read("java/src/main/java/shop/Db.java")
        .contains("jdbc:postgresql://db.internal:5432/shop?ssl=false&sslmode=require\";"));
    assert!(read("dotnet/appsettings.json").contains("Password=canary-dotnet;SSL Mode=Require\","));
    assert!(read("web/src/report.ts").contains("ssl: { rejectUnauthorized: false },"));
    assert!(read("web/.env").contains(
        "DATABASE_URL=postgres://web:canary-web-1@db.internal:5432/shop?sslmode=no-verify\n"
    ));
    assert!(read("rails/config/database.yml").contains(
        "production:\n  <<: *default\n  sslmode: require\n  database: shop_production\n"
    ));
    assert!(
        read("ops/pg_service.conf").contains("[legacy]\nsslmode=require\nhost=old-db.internal\n")
    );
    assert!(read("ops/pgbouncer.ini").contains("client_tls_sslmode = require\n"));
    assert!(read("ops/pgbouncer.ini").contains("server_tls_sslmode = require\n"));
    assert!(
        read("standby/postgresql.auto.conf").contains("application_name=standby1 sslmode=require'")
    );
    assert!(read("ops/scripts/backup.sh")
        .contains("export PGSSLMODE=require\npg_dump \"service=legacy sslmode=require\""));
    assert!(read("django_site/mysite/settings.py").contains("'sslmode': 'require',"));
    // A second run has nothing left to do.
    let again = fix::plan(&after, &opts);
    assert!(
        again.files.is_empty(),
        "{:?}",
        again.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
}

#[test]
fn fix_verify_full_adds_the_root_certificate() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample(), dir.path());
    let r = scan(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap();
    let plan = fix::plan(
        &r,
        &FixOptions {
            mode: FixMode::VerifyFull,
            sslrootcert: Some("/etc/ssl/pg ca.crt".into()),
        },
    );
    fix::apply(&plan).unwrap();
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert!(
        read("go/main.go")
            .contains("\"host=db.internal dbname=inventory user=inventory sslmode=verify-full\""),
        "{}",
        read("go/main.go")
    );
    assert!(read("deploy/docker-compose.yml").contains("postgresql://api:canary-compose@db.internal:5432/shop?sslmode=verify-full&sslrootcert=/etc/ssl/pg%20ca.crt\n"));
    assert!(read("web/src/db.js").contains("ssl: { rejectUnauthorized: true },"));
    assert!(read("ops/pgbouncer.ini").contains("server_tls_sslmode = verify-full\n"));
    assert!(read("dotnet/appsettings.json")
        .contains("SSL Mode=VerifyFull;Root Certificate=/etc/ssl/pg ca.crt\","));
}

#[cfg(unix)]
#[test]
fn hostile_input_is_skipped_counted_and_never_panics() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("blob.bin"),
        b"postgres://u@h/db?sslmode=disable\0\x01\x02",
    )
    .unwrap();
    let mut long = "x".repeat(100_000);
    long.push_str(" postgres://u@h/db?sslmode=disable\n");
    long.push_str("DATABASE_URL=postgres://u@h/ok?sslmode=require\n");
    std::fs::write(d.join("bundle.min.js"), long).unwrap();
    let mut bad = b"conn = \"postgres://u@h/latin\xe9?sslmode=disable\"\n".to_vec();
    bad.extend_from_slice(b"other = \"postgres://u@h/db2?sslmode=verify-full\"\n");
    std::fs::write(d.join("latin1.py"), bad).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    symlink("..", d.join("sub/loop")).unwrap();
    symlink("/nonexistent/target", d.join("dangling.env")).unwrap();
    let fifo = d.join("pipe.env");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    std::fs::write(
        d.join("big.env"),
        format!("PGSSLMODE=disable\n{}", "#".repeat(2048)),
    )
    .unwrap();
    let opts = ScanOptions {
        follow_links: true,
        max_filesize: 1024,
        ..ScanOptions::default()
    };
    let r = scan(&[d.to_path_buf()], &opts).unwrap();
    assert_eq!(r.stats.skipped_binary, 1, "{:?}", r.skipped);
    assert_eq!(r.stats.skipped_too_large, 2, "{:?}", r.skipped); // big.env and bundle.min.js (> 1 KiB)
    assert!(r.stats.skipped_symlink_loop >= 1, "{:?}", r.skipped);
    assert_eq!(r.stats.skipped_unreadable, 1, "{:?}", r.skipped);
    if made_fifo {
        assert_eq!(r.stats.skipped_special, 1, "{:?}", r.skipped);
    }
    assert_eq!(r.stats.skipped_invalid_utf8_lines, 1);
    // The valid line of the Latin-1 file is still found.
    assert!(r
        .findings
        .iter()
        .any(|f| f.file.ends_with("latin1.py") && f.line == 2));
    // Raise the size limit: the long line is skipped and counted, the next line is found.
    let r = scan(&[d.join("bundle.min.js")], &ScanOptions::default()).unwrap();
    assert_eq!(r.stats.skipped_long_lines, 1);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].line, 2);
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let e = scan(
        &[PathBuf::from("/nonexistent/tree")],
        &ScanOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/tree"), "{e}");
}

#[test]
fn scan_json_reads_back_as_a_client_inventory() {
    let r = scan(&[sample()], &ScanOptions::default()).unwrap();
    let mut buf = Vec::new();
    report::write_scan_json(&mut buf, &r, None).unwrap();
    let inv =
        pgtls_clients::inventory::parse_inventory(std::str::from_utf8(&buf).unwrap()).unwrap();
    assert_eq!(inv.findings.len(), r.findings.len());
    let breaking: Vec<_> = inv
        .findings
        .iter()
        .filter(|e| e.breaks_under_hostssl())
        .map(|e| e.driver.as_str())
        .collect();
    assert!(
        breaking.contains(&"npgsql") && breaking.contains(&"node-postgres"),
        "{breaking:?}"
    );
    let bad = String::from_utf8(buf)
        .unwrap()
        .replace("\"schema_version\": 1", "\"schema_version\": 9");
    assert!(pgtls_clients::inventory::parse_inventory(&bad)
        .unwrap_err()
        .to_string()
        .contains("schema_version 9"));
}
