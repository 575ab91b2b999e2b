//! Loader behaviour on hand-written file sets (reference §3, §4, §9).

use std::fs;
use std::path::Path;

use pgtls_conf::{
    load, load_file, load_file_with, locate, parse_text, ConfErrorKind, LoadOptions, ParseMode,
};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn text(t: &str) -> pgtls_conf::ConfigSet {
    parse_text(
        Path::new("/nonexistent/postgresql.conf"),
        t.as_bytes(),
        &LoadOptions::default(),
    )
}

#[test]
fn unquoted_star_is_a_syntax_error_near_the_star() {
    let s = text("listen_addresses = *\n");
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].kind, ConfErrorKind::Syntax);
    assert_eq!(
        s.errors[0].message,
        "syntax error in file \"/nonexistent/postgresql.conf\" line 1, near token \"*\""
    );
    assert_eq!(s.errors[0].line, 1);
    let q = text("listen_addresses = '*'\n");
    assert!(!q.has_errors());
    assert_eq!(q.effective("listen_addresses").unwrap().value, "*");
}

#[test]
fn unquoted_cipher_list_fails_at_the_plus_token() {
    let s = text("ssl_ciphers = HIGH:MEDIUM:+3DES:!aNULL\n");
    assert!(
        s.errors[0].message.ends_with("near token \"+3DES\""),
        "{}",
        s.errors[0].message
    );
}

#[test]
fn unquoted_protocol_version_is_valid() {
    let s = text("ssl_min_protocol_version = TLSv1.2\n");
    assert!(!s.has_errors());
    assert_eq!(
        s.effective("SSL_MIN_PROTOCOL_VERSION").unwrap().value,
        "TLSv1.2"
    );
}

#[test]
fn units_with_fraction_or_blank_need_quotes() {
    assert!(text("shared_buffers = 1.5GB\n").errors[0]
        .message
        .ends_with("near token \"GB\""));
    assert!(text("shared_buffers = 128 MB\n").errors[0]
        .message
        .ends_with("near token \"MB\""));
    assert_eq!(
        text("shared_buffers = '128 MB'\n").entries[0].value,
        "128 MB"
    );
    assert!(text("x = 1e3\n").errors[0]
        .message
        .ends_with("near token \"3\""));
}

#[test]
fn three_part_names_are_syntax_errors() {
    let s = text("my.ext.setting = 1\n");
    assert!(s.errors[0]
        .message
        .ends_with("near token \"my.ext.setting\""));
    assert!(!text("my.setting = 1\n").has_errors());
}

#[test]
fn equals_is_optional_and_comments_end_lines() {
    let s = text("work_mem 64MB # comment\n  # only a comment\nssl=on#x\n");
    assert!(!s.has_errors(), "{:?}", s.errors);
    assert_eq!(s.entries.len(), 2);
    assert_eq!((s.entries[0].line, s.entries[1].line), (1, 3));
    assert_eq!(s.entries[1].value, "on");
    assert_eq!(s.entries[0].raw_line, "work_mem 64MB # comment");
}

#[test]
fn value_span_points_at_the_token() {
    let t = "a = 1\nssl_ciphers = 'HIGH:!aNULL' # keep\n";
    let s = text(t);
    let e = s.effective("ssl_ciphers").unwrap();
    assert_eq!(&t[e.value_span.0..e.value_span.1], "'HIGH:!aNULL'");
    assert_eq!(
        &t[e.line_span.0..e.line_span.1],
        "ssl_ciphers = 'HIGH:!aNULL' # keep"
    );
}

#[test]
fn duplicate_marking_compares_spellings_exactly() {
    // §9 case 18: both applied, the last one wins.
    let s = text("Work_Mem = '8MB'\nwork_mem = '16MB'\n");
    assert!(s.entries.iter().all(|e| e.applied));
    assert_eq!(s.effective("work_mem").unwrap().value, "16MB");
    // Same spelling: the earlier is ignored.
    let s = text("work_mem = 1\nWork_Mem = 2\nwork_mem = 3\n");
    let applied: Vec<bool> = s.entries.iter().map(|e| e.applied).collect();
    assert_eq!(applied, [false, true, true]);
    assert_eq!(s.effective("WORK_MEM").unwrap().value, "3");
}

#[test]
fn old_aliases_share_the_effective_value() {
    let s = text("work_mem = 1\nsort_mem = 2\n");
    assert_eq!(s.effective("work_mem").unwrap().value, "2");
}

#[test]
fn any_error_means_nothing_applied() {
    let s = text("ssl = on\nbad line here\n");
    assert!(s.has_errors());
    assert!(s.effective("ssl").is_none());
    assert_eq!(s.intended("ssl").unwrap().value, "on");
}

#[test]
fn syntax_error_at_eof_without_newline_reports_the_previous_line() {
    let s = text("a = 1\nb =");
    assert!(
        s.errors[0].message.ends_with("line 1, near end of line"),
        "{}",
        s.errors[0].message
    );
    let s = text("a = 1\nb =\n");
    assert!(s.errors[0].message.ends_with("line 2, near end of line"));
}

#[test]
fn view_mode_abandons_a_file_at_its_first_error() {
    let t = "a = 1\n= x\nb = 2\n* y\nc = 3\n";
    let server = text(t);
    assert_eq!(server.entries.len(), 3);
    let view = parse_text(
        Path::new("/x/postgresql.conf"),
        t.as_bytes(),
        &LoadOptions {
            mode: ParseMode::FileSettingsView,
            ..LoadOptions::default()
        },
    );
    assert_eq!(view.entries.len(), 1);
    assert_eq!(view.rows().len(), 2);
}

#[test]
fn relative_includes_resolve_against_the_including_file() {
    // §9 case 12.
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "postgresql.conf",
        "include 'conf.d/a.conf'\nssl = off\n",
    );
    write(root, "conf.d/a.conf", "include 'extra.conf'\n");
    write(root, "conf.d/extra.conf", "ssl = on\nwork_mem = '4MB'\n");
    write(root, "extra.conf", "work_mem = 'wrong'\n");
    let s = load_file(&root.join("postgresql.conf"));
    assert!(!s.has_errors(), "{:?}", s.errors);
    assert_eq!(s.effective("work_mem").unwrap().value, "4MB");
    assert!(s
        .effective("work_mem")
        .unwrap()
        .file
        .ends_with("conf.d/extra.conf"));
    assert_eq!(s.effective("ssl").unwrap().value, "off");
    assert_eq!(s.files.len(), 3);
}

#[test]
fn include_errors_carry_postgres_messages() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(root, "self.conf", "include 'self.conf'\n");
    let s = load_file(&root.join("self.conf"));
    assert_eq!(s.errors[0].kind, ConfErrorKind::Recursion);
    assert_eq!(
        s.errors[0].view_error.as_deref(),
        Some("configuration file recursion")
    );

    write(
        root,
        "missing.conf",
        "include_if_exists 'nope.conf'\ninclude 'nope.conf'\n",
    );
    let s = load_file(&root.join("missing.conf"));
    assert_eq!(s.skipped_files.len(), 1);
    assert_eq!(s.errors.len(), 1);
    let want = format!(
        "could not open configuration file \"{}\": No such file or directory",
        root.join("nope.conf").display()
    );
    assert_eq!(s.errors[0].message, want);
    assert_eq!(s.errors[0].line, 2);

    write(root, "empty.conf", "include ' '\n");
    assert_eq!(
        load_file(&root.join("empty.conf")).errors[0].kind,
        ConfErrorKind::EmptyFileName
    );
}

#[test]
fn nesting_deeper_than_ten_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(root, "a.conf", "include 'b.conf'\n");
    write(root, "b.conf", "include 'a.conf'\n");
    let s = load_file(&root.join("a.conf"));
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].kind, ConfErrorKind::NestingDepth);
    assert_eq!(
        s.errors[0].message,
        "could not open configuration file \"b.conf\": maximum nesting depth exceeded"
    );
    assert_eq!(s.files.len(), 11);
}

#[test]
fn include_dir_picks_conf_files_in_byte_order() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(root, "postgresql.conf", "include_dir 'conf.d'\n");
    write(root, "conf.d/b.conf", "x.v = b\n");
    write(root, "conf.d/B.conf", "x.v = B\n");
    write(root, "conf.d/a.conf", "x.v = a\n");
    write(root, "conf.d/.h.conf", "x.v = hidden\n");
    write(root, "conf.d/c.conf.bak", "x.v = bak\n");
    write(root, "conf.d/.conf", "x.v = short\n");
    fs::create_dir_all(root.join("conf.d/sub.conf")).unwrap();
    let s = load_file(&root.join("postgresql.conf"));
    assert!(!s.has_errors(), "{:?}", s.errors);
    let vals: Vec<&str> = s.entries.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(vals, ["B", "a", "b"]);
    assert_eq!(s.effective("x.v").unwrap().value, "b");
}

#[test]
fn auto_conf_wins_over_postgresql_conf() {
    // §9 case 11.
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(root, "postgresql.conf", "ssl = on\n");
    write(root, "postgresql.auto.conf", "# Do not edit\nssl = 'off'\n");
    write(root, "PG_VERSION", "16\n");
    let files = locate(root).unwrap();
    assert_eq!(files.pg_version, Some(16));
    assert_eq!(files.hba_file, root.join("pg_hba.conf"));
    let s = load(&files);
    let e = s.effective("ssl").unwrap();
    assert_eq!(e.value, "off");
    assert!(e.file.ends_with("postgresql.auto.conf"));
    assert_eq!(e.line, 2);
}

#[test]
fn debian_layout_points_at_the_data_directory() {
    let d = tempfile::tempdir().unwrap();
    let etc = d.path().join("etc/postgresql/15/main");
    let data = d.path().join("var/lib/postgresql/15/main");
    write(&etc, "postgresql.conf", &format!(
        "data_directory = '{}'\nhba_file = '{}/pg_hba.conf'\nident_file = '{}/pg_ident.conf'\ninclude_dir = 'conf.d'\n",
        data.display(), etc.display(), etc.display()));
    write(&etc, "conf.d/ssl.conf", "ssl = on\n");
    write(&data, "PG_VERSION", "15\n");
    write(
        &data,
        "postgresql.auto.conf",
        "ssl_min_protocol_version = 'TLSv1.3'\n",
    );
    let files = locate(&etc).unwrap();
    assert_eq!(files.data_directory.as_deref(), Some(data.as_path()));
    assert_eq!(files.hba_file, etc.join("pg_hba.conf"));
    assert_eq!(files.pg_version, Some(15));
    let s = load(&files);
    assert_eq!(s.effective("ssl").unwrap().value, "on");
    assert_eq!(
        s.effective("ssl_min_protocol_version").unwrap().value,
        "TLSv1.3"
    );
}

#[test]
fn locate_without_postgresql_conf_names_the_file() {
    let d = tempfile::tempdir().unwrap();
    let e = locate(d.path()).unwrap_err();
    assert_eq!(e.kind, ConfErrorKind::NoConfigFile);
    assert!(e.message.contains("postgresql.conf"));
}

#[test]
fn files_above_the_cap_are_refused_with_their_name() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("big.conf");
    fs::write(&p, "a = 1\n".repeat(100)).unwrap();
    let s = load_file_with(
        &p,
        &LoadOptions {
            max_file_bytes: 100,
            ..LoadOptions::default()
        },
    );
    assert_eq!(s.errors[0].kind, ConfErrorKind::TooLarge);
    assert!(s.errors[0].message.contains("big.conf"));
    assert!(s.entries.is_empty());
}

#[test]
fn unknown_names_are_errors_only_with_a_known_list() {
    let t = "ssl = on\nbogus_param = 1\nmyext.x = 2\n";
    assert!(!text(t).has_errors());
    let opts = LoadOptions {
        known_names: Some(["ssl".to_string()].into_iter().collect()),
        ..LoadOptions::default()
    };
    let s = parse_text(Path::new("/x/postgresql.conf"), t.as_bytes(), &opts);
    assert_eq!(
        s.entries[1].error.as_deref(),
        Some("unrecognized configuration parameter")
    );
    assert!(s.entries[2].error.is_none());
    assert!(s.entries.iter().all(|e| !e.applied));
}

#[test]
fn non_utf8_and_nul_bytes_do_not_panic() {
    let mut t = b"\xff\xfe = '\xc3\x28'\nname = 'a\x00b'\n\x00 = 1\n".to_vec();
    t.extend_from_slice(&[b'\''; 3]);
    let s = parse_text(Path::new("/x/p.conf"), &t, &LoadOptions::default());
    assert_eq!(s.entries[1].value, "a");
    assert!(
        s.errors[0].message.ends_with("line 3, near token \"\""),
        "{}",
        s.errors[0].message
    );
}

#[test]
fn auto_conf_cannot_move_the_data_directory() {
    // §9 case 13.
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(root, "postgresql.conf", "ssl = on\n");
    write(root, "PG_VERSION", "17\n");
    write(
        root,
        "postgresql.auto.conf",
        "data_directory = '/elsewhere'\nhba_file = '/etc/x/hba.conf'\n",
    );
    let files = locate(root).unwrap();
    assert_eq!(files.data_directory.as_deref(), Some(root));
    // hba_file may come from auto.conf (ALTER SYSTEM can set it).
    assert_eq!(files.hba_file, Path::new("/etc/x/hba.conf"));
}

#[test]
fn data_directory_lookup_is_case_sensitive_like_the_postmaster() {
    let d = tempfile::tempdir().unwrap();
    let etc = d.path().join("etc");
    write(&etc, "postgresql.conf", "Data_Directory = '/var/lib/x'\n");
    let files = locate(&etc).unwrap();
    assert_eq!(files.data_directory, None);
    assert_eq!(files.auto_conf, None);
    assert_eq!(files.hba_file, etc.join("pg_hba.conf"));
}

#[test]
fn ssl_ecdh_curve_is_an_alias_of_ssl_groups_from_18() {
    // §9 case 14.
    let t = b"ssl_ecdh_curve = 'prime256v1'\n";
    let p = Path::new("/x/postgresql.conf");
    let on = |m| {
        parse_text(
            p,
            t,
            &LoadOptions {
                pg_major: Some(m),
                ..LoadOptions::default()
            },
        )
    };
    assert_eq!(on(18).effective("ssl_groups").unwrap().value, "prime256v1");
    assert!(on(17).effective("ssl_groups").is_none());
    assert!(on(17).effective("ssl_ecdh_curve").is_some());
}

#[test]
fn a_lone_name_at_eof_is_reported_on_line_zero() {
    // Verified against pg_file_settings (differential fixed case 3).
    let s = text("ssl");
    assert_eq!(s.errors[0].line, 0);
    assert!(s.errors[0].message.ends_with("line 0, near end of line"));
}

#[test]
fn pre_15_servers_keep_dot_dot_in_file_names() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "postgresql.conf",
        "include 'sub/../sub/a.conf'\ninclude './sub/./b.conf'\n",
    );
    write(root, "sub/a.conf", "x.a = 1\n");
    write(root, "sub/b.conf", "x.b = 1\n");
    let p = root.join("postgresql.conf");
    let old = load_file_with(
        &p,
        &LoadOptions {
            pg_major: Some(14),
            ..LoadOptions::default()
        },
    );
    let new = load_file_with(
        &p,
        &LoadOptions {
            pg_major: Some(15),
            ..LoadOptions::default()
        },
    );
    assert!(old.entries[0].file.ends_with("/sub/../sub/a.conf"));
    assert!(old.entries[1].file.ends_with("/sub/./b.conf"));
    assert!(!old.entries[1].file.contains("/./sub"));
    assert!(new.entries[0].file.ends_with("/sub/a.conf") && !new.entries[0].file.contains(".."));
    assert!(new.entries[1].file.ends_with("/sub/b.conf") && !new.entries[1].file.contains("/./"));
}
