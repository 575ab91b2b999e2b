//! PostgreSQL is the oracle: generated file sets are written into real
//! throwaway clusters and `pg_file_settings` is compared row for row with
//! `ConfigSet::rows()`; for a sample of valid sets the server is reloaded
//! and the winning entry of each setting (pg_settings.sourcefile /
//! sourceline, current_setting() for custom names) is compared with
//! `effective()`; for a sample of broken sets the server's log messages
//! are compared with ours.
//!
//! Default: a few hundred cases on PostgreSQL 12, 15 and 18.
//! `PGTLS_LONG=1`: thousands, on every major found.
//! `PGTLS_CONF_SEED=N`: just that seed (on every major tested).

mod gen;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::symlink;

use pgtls_cluster::{Cluster, PgBin, SUPERUSER};
use pgtls_conf::{
    canonical_name, load_with, locate, ConfErrorKind, FileSettingRow, LoadOptions, ParseMode,
};

/// Seeds of the *current* generator that once disagreed with PostgreSQL.
/// Inputs found by earlier generator versions are kept verbatim in
/// `gen::fixed_cases()` (a seed means nothing once the generator changes).
const REGRESSION_SEEDS: &[u64] = &[];

fn long() -> bool {
    std::env::var_os("PGTLS_LONG").is_some()
}

fn connect(c: &Cluster) -> postgres::Client {
    postgres::Config::new()
        .host_path(&c.socket_dir)
        .port(c.port)
        .user(SUPERUSER)
        .dbname("postgres")
        .connect(postgres::NoTls)
        .expect("connect over the socket")
}

fn server_rows(client: &mut postgres::Client) -> Vec<FileSettingRow> {
    client
        .query(
            "SELECT sourcefile, sourceline, seqno, textsend(name), textsend(setting), applied, error \
             FROM pg_file_settings ORDER BY seqno",
            &[],
        )
        .expect("query pg_file_settings")
        .into_iter()
        .map(|r| FileSettingRow {
            sourcefile: r.get(0),
            sourceline: r.get::<_, Option<i32>>(1).map(|v| v as u32),
            seqno: r.get::<_, i32>(2) as u32,
            name: r.get::<_, Option<Vec<u8>>>(3).map(|b| String::from_utf8_lossy(&b).into_owned()),
            setting: r
                .get::<_, Option<Vec<u8>>>(4)
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            applied: r.get(5),
            error: r.get(6),
        })
        .collect()
}

fn write_case(c: &Cluster, case: &gen::Case) {
    let gen_dir = c.data_dir.join("gen");
    let _ = fs::remove_dir_all(&gen_dir);
    fs::create_dir_all(&gen_dir).unwrap();
    for (rel, text) in &case.files {
        let p = c.data_dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
    }
    for d in &case.dirs {
        fs::create_dir_all(c.data_dir.join(d)).unwrap();
    }
    for (rel, target) in &case.symlinks {
        let p = c.data_dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        symlink(target, &p).unwrap();
    }
    let auto = c.data_dir.join("postgresql.auto.conf");
    match &case.auto_conf {
        Some(t) => fs::write(&auto, t).unwrap(),
        None => {
            let _ = fs::remove_file(&auto);
        }
    }
}

fn describe(c: &Cluster, case: &gen::Case) -> String {
    let mut s = String::new();
    for (rel, text) in &case.files {
        s.push_str(&format!("--- {rel}\n{}\n", String::from_utf8_lossy(text)));
    }
    if let Some(t) = &case.auto_conf {
        s.push_str(&format!(
            "--- postgresql.auto.conf\n{}\n",
            String::from_utf8_lossy(t)
        ));
    }
    s.replace(&c.data_dir.display().to_string(), "$DATA")
}

struct Oracle {
    cluster: Cluster,
    known: BTreeSet<String>,
    major: u32,
    log_offset: usize,
}

fn start(bin: PgBin) -> Oracle {
    let mut b = Cluster::builder(bin.clone());
    for p in gen::PLACEHOLDERS {
        b = b.conf(&format!("{p} = 'init'"));
    }
    b = b.conf("include_if_exists 'gen/main.conf'");
    let cluster = b.start().expect("start a throwaway cluster");
    let mut client = connect(&cluster);
    let known = client
        .query("SELECT name FROM pg_settings", &[])
        .unwrap()
        .into_iter()
        .map(|r| r.get::<_, String>(0).to_ascii_lowercase())
        .collect();
    Oracle {
        cluster,
        known,
        major: bin.major,
        log_offset: 0,
    }
}

impl Oracle {
    fn opts(&self, mode: ParseMode) -> LoadOptions {
        LoadOptions {
            pg_major: Some(self.major),
            mode,
            known_names: Some(self.known.clone()),
            ..LoadOptions::default()
        }
    }

    fn ours(&self, mode: ParseMode) -> pgtls_conf::ConfigSet {
        let files = locate(&self.cluster.data_dir).expect("locate the data directory");
        assert_eq!(files.pg_version, Some(self.major));
        load_with(&files, &self.opts(mode))
    }

    /// Returns a description of every disagreement.
    fn check(
        &mut self,
        client: &mut postgres::Client,
        case: &gen::Case,
        reload: bool,
    ) -> Vec<String> {
        write_case(&self.cluster, case);
        let mut problems = Vec::new();
        let theirs = server_rows(client);
        let ours = self.ours(ParseMode::FileSettingsView);
        let mine = ours.rows();
        if theirs != mine {
            let mut d = format!("pg_file_settings differs (PG {}):\n", self.major);
            let n = theirs.len().max(mine.len());
            for i in 0..n {
                let t = theirs.get(i);
                let m = mine.get(i);
                if t != m {
                    d.push_str(&format!("!! pg:   {:?}\n!! ours: {:?}\n", t, m));
                }
            }
            problems.push(d.replace(&self.cluster.data_dir.display().to_string(), "$DATA"));
            return problems;
        }
        if !reload {
            return problems;
        }
        let server_mode = self.ours(ParseMode::Server);
        self.cluster.reload().expect("reload");
        let log = self.cluster.log();
        let new_log = log.get(self.log_offset..).unwrap_or_default().to_string();
        self.log_offset = log.len();
        if server_mode.has_errors() {
            for e in &server_mode.errors {
                let logged = match e.kind {
                    ConfErrorKind::TooManySyntaxErrors => continue,
                    _ => new_log.contains(&e.message),
                };
                if !logged {
                    problems.push(format!(
                        "PG {} did not log our message: {}\n--- log ---\n{}",
                        self.major, e.message, new_log
                    ));
                }
            }
            let logged = new_log.matches("syntax error in file").count();
            let ours_n = server_mode
                .errors
                .iter()
                .filter(|e| e.kind == ConfErrorKind::Syntax)
                .count();
            if logged != ours_n {
                problems.push(format!(
                    "PG {} logged {logged} syntax errors, we found {ours_n}\n--- log ---\n{new_log}",
                    self.major
                ));
            }
            return problems;
        }
        // Valid set: the server applied it; compare the winners.
        let mut fresh = connect(&self.cluster);
        for name in gen::BUILTIN_NAMES {
            let canon = canonical_name(name, Some(self.major));
            let row = fresh
                .query_opt(
                    "SELECT source, sourcefile, sourceline FROM pg_settings WHERE name = $1",
                    &[&canon],
                )
                .unwrap();
            let Some(row) = row else { continue };
            let source: String = row.get(0);
            let theirs: Option<(String, i32)> = if source == "configuration file" {
                Some((row.get(1), row.get(2)))
            } else {
                None
            };
            let mine = ours
                .effective(name)
                .map(|e| (e.file.clone(), e.line as i32));
            if theirs != mine {
                problems.push(format!(
                    "PG {}: winner of {name}: server {:?} ours {:?}",
                    self.major, theirs, mine
                ));
            }
        }
        for name in gen::PLACEHOLDERS {
            if let Some(e) = ours.effective(name) {
                let v: Option<Vec<u8>> = fresh
                    .query_one("SELECT textsend(current_setting($1, true))", &[name])
                    .unwrap()
                    .get(0);
                let v = v.map(|b| String::from_utf8_lossy(&b).into_owned());
                if v.as_deref() != Some(e.value.as_str()) {
                    problems.push(format!(
                        "PG {}: {name}: server {:?} ours {:?}",
                        self.major, v, e.value
                    ));
                }
            }
        }
        problems
    }
}

fn majors() -> Vec<PgBin> {
    let all = PgBin::one_per_major();
    if let Ok(list) = std::env::var("PGTLS_CONF_MAJORS") {
        let want: Vec<u32> = list
            .split(',')
            .filter_map(|m| m.trim().parse().ok())
            .collect();
        return all
            .into_iter()
            .filter(|b| want.contains(&b.major))
            .collect();
    }
    if long() {
        return all;
    }
    let want = [12, 15, 18];
    let mut v: Vec<PgBin> = all
        .into_iter()
        .filter(|b| want.contains(&b.major))
        .collect();
    // Prefer Debian's 15 (one_per_major puts it first already).
    v.dedup_by_key(|b| b.major);
    // A missing major fails the suite rather than passing untested.
    if std::env::var_os("PGTLS_ALLOW_MISSING_MAJORS").is_none() {
        for m in want {
            assert!(
                v.iter().any(|b| b.major == m),
                "PostgreSQL {m} server binaries are missing (run scripts/install-pg, or set PGTLS_ALLOW_MISSING_MAJORS=1)"
            );
        }
    }
    v
}

#[test]
fn file_sets_match_pg_file_settings_on_real_servers() {
    let bins = majors();
    assert!(
        !bins.is_empty(),
        "no PostgreSQL binaries found: install them (scripts/install-pg) to run the differential tests"
    );
    let cases_per_major: u64 = if long() { 2000 } else { 250 };
    let only: Option<u64> = std::env::var("PGTLS_CONF_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut valid = 0;
    let mut reloaded = 0;
    let mut kinds_seen: BTreeSet<String> = BTreeSet::new();
    for bin in bins {
        let mut o = start(bin);
        let mut client = connect(&o.cluster);
        let data_dir = o.cluster.data_dir.display().to_string();
        let seeds: Vec<u64> = match only {
            Some(s) => vec![s],
            None => REGRESSION_SEEDS
                .iter()
                .copied()
                .chain((0..cases_per_major).map(|i| 1_000 + i))
                .collect(),
        };
        let fixed = if only.is_some() {
            Vec::new()
        } else {
            gen::fixed_cases()
        };
        let cases = fixed
            .into_iter()
            .chain(seeds.into_iter().map(|s| gen::generate(s, &data_dir)));
        for (i, case) in cases.enumerate() {
            let seed = case.seed;
            let reload = i % 10 == 3;
            let problems = o.check(&mut client, &case, reload);
            ran += 1;
            let ours = o.ours(ParseMode::FileSettingsView);
            valid += usize::from(!ours.has_errors());
            for e in &ours.errors {
                kinds_seen.insert(format!("{:?}", e.kind));
            }
            if ours.entries.iter().any(|e| e.error.is_some()) {
                kinds_seen.insert("UnknownName".into());
            }
            reloaded += usize::from(reload);
            if !problems.is_empty() {
                failures.push(format!(
                    "seed {seed} (PG {}):\n{}\n{}",
                    o.major,
                    problems.join("\n"),
                    describe(&o.cluster, &case)
                ));
                if failures.len() > 8 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "differential: {ran} cases, {valid} without errors, {reloaded} reloaded; errors seen: {kinds_seen:?}"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        valid * 4 > ran,
        "the generator should make mostly valid sets: {valid}/{ran}"
    );
    if only.is_none() {
        for k in [
            "Syntax",
            "TooManySyntaxErrors",
            "EmptyFileName",
            "EmptyDirName",
            "NestingDepth",
            "Recursion",
            "OpenFile",
            "OpenDir",
            "StatFile",
            "ReadFile",
            "UnknownName",
        ] {
            assert!(
                kinds_seen.contains(k),
                "the generator never produced a {k} error"
            );
        }
    }
}

#[test]
fn generator_is_deterministic() {
    let a = gen::generate(42, "/d");
    let b = gen::generate(42, "/d");
    assert_eq!(a.files, b.files);
    assert_eq!(a.auto_conf, b.auto_conf);
}

#[test]
fn edited_values_read_back_identically_by_postgres() {
    let Some(bin) = majors().into_iter().next_back() else {
        panic!("no PostgreSQL binaries found");
    };
    let o = start(bin);
    let mut client = connect(&o.cluster);
    let values = [
        "TLSv1.2",
        "it's",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "\u{e9}t\u{e9} #=*",
        "",
        "''\\'",
    ];
    let mut text = "# managed\nmyext.x = old   # keep this comment\n".to_string();
    for (i, v) in values.iter().enumerate() {
        text = pgtls_conf::set_value_in_text(&text, 2, v).unwrap();
        text = pgtls_conf::append_setting(&text, &format!("myext.v{i}"), v).unwrap();
    }
    assert!(text.contains("# keep this comment"));
    let case = gen::Case {
        files: vec![("gen/main.conf".into(), text.into_bytes())],
        ..gen::Case::default()
    };
    write_case(&o.cluster, &case);
    let rows = server_rows(&mut client);
    let get = |name: &str| {
        rows.iter()
            .rev()
            .find(|r| r.name.as_deref() == Some(name))
            .and_then(|r| r.setting.clone())
    };
    assert_eq!(get("myext.x").as_deref(), Some(*values.last().unwrap()));
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            get(&format!("myext.v{i}")).as_deref(),
            Some(*v),
            "value {v:?}"
        );
    }
    assert!(rows.iter().all(|r| r.error.is_none()), "{rows:?}");
}
