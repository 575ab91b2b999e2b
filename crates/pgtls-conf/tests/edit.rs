//! In-place edits keep every other byte.

use std::path::Path;

use pgtls_conf::{
    append_setting, comment_out_line, parse_text, quote_value, set_named_value_in_text,
    set_value_in_text, EditError, LoadOptions,
};

fn parse(t: &str) -> pgtls_conf::ConfigSet {
    parse_text(
        Path::new("/x/postgresql.conf"),
        t.as_bytes(),
        &LoadOptions::default(),
    )
}

#[test]
fn replacing_a_value_keeps_comments_and_spacing() {
    let t = "# head\nssl_min_protocol_version\t=  TLSv1   # was 1.0\r\nwork_mem = 4MB\n";
    let out = set_value_in_text(t, 2, "TLSv1.2").unwrap();
    assert_eq!(
        out,
        "# head\nssl_min_protocol_version\t=  'TLSv1.2'   # was 1.0\r\nwork_mem = 4MB\n"
    );
    assert_eq!(
        parse(&out)
            .effective("ssl_min_protocol_version")
            .unwrap()
            .value,
        "TLSv1.2"
    );
}

#[test]
fn replacing_works_without_equals_and_without_final_newline() {
    assert_eq!(set_value_in_text("ssl on", 1, "off").unwrap(), "ssl 'off'");
    assert_eq!(
        set_value_in_text("a = 1\nssl='x''y'", 2, "on").unwrap(),
        "a = 1\nssl='on'"
    );
}

#[test]
fn refuses_lines_that_are_not_settings() {
    let t = "# c\n\nlisten_addresses = *\ninclude 'x.conf'\nssl = on\n";
    assert_eq!(set_value_in_text(t, 1, "x"), Err(EditError::NotASetting(1)));
    assert_eq!(set_value_in_text(t, 2, "x"), Err(EditError::NotASetting(2)));
    assert_eq!(set_value_in_text(t, 3, "x"), Err(EditError::NotASetting(3)));
    assert_eq!(set_value_in_text(t, 4, "x"), Err(EditError::NotASetting(4)));
    assert_eq!(
        set_value_in_text(t, 9, "x"),
        Err(EditError::NoSuchLine(9, 6))
    );
    assert!(matches!(
        set_named_value_in_text(t, 5, "work_mem", "1MB"),
        Err(EditError::OtherName { .. })
    ));
    assert_eq!(
        set_named_value_in_text(t, 5, "SSL", "off").unwrap(),
        t.replace("ssl = on", "ssl = 'off'")
    );
}

#[test]
fn quoting_round_trips_through_the_lexer() {
    for v in [
        "",
        "plain",
        "it's",
        "back\\slash",
        "tab\there",
        "nl\nx",
        "cr\rx",
        "\u{8}\u{c}",
        "é ü #=*",
        "''\\'",
    ] {
        let t = append_setting("", "myext.v", v).unwrap();
        let set = parse(&t);
        assert!(!set.has_errors(), "{t:?}");
        assert_eq!(set.effective("myext.v").unwrap().value, v, "{t:?}");
    }
    assert_eq!(quote_value("a\0b"), Err(EditError::NulInValue));
}

#[test]
fn appending_adds_a_line_of_its_own() {
    assert_eq!(
        append_setting("ssl = on", "ssl", "off").unwrap(),
        "ssl = on\nssl = 'off'\n"
    );
    assert_eq!(append_setting("", "ssl", "on").unwrap(), "ssl = 'on'\n");
    assert!(matches!(
        append_setting("", "a.b.c", "1"),
        Err(EditError::BadName(_))
    ));
    assert!(matches!(
        append_setting("", "ssl = on #", "1"),
        Err(EditError::BadName(_))
    ));
    let out = append_setting("x = 1\n", "ssl", "on").unwrap();
    assert_eq!(parse(&out).effective("ssl").unwrap().line, 2);
}

#[test]
fn commenting_out_drops_the_entry() {
    let t = "ssl = on\nssl = off\n";
    let out = comment_out_line(t, 2).unwrap();
    assert_eq!(out, "ssl = on\n#ssl = off\n");
    assert_eq!(parse(&out).effective("ssl").unwrap().value, "on");
}
