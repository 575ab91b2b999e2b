//! Any bytes: the lexer and parser must not panic, spans stay in bounds,
//! and a quoted value written by the editor reads back unchanged.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pgtls_conf::{append_setting, parse_text, LoadOptions, ParseMode};

fuzz_target!(|data: &[u8]| {
    for mode in [ParseMode::Server, ParseMode::FileSettingsView] {
        let opts = LoadOptions {
            mode,
            ..LoadOptions::default()
        };
        let set = parse_text(Path::new("/nonexistent/fuzz.conf"), data, &opts);
        for e in &set.entries {
            assert!(e.value_span.0 < e.value_span.1 && e.value_span.1 <= data.len());
            assert!(e.line_span.0 <= e.value_span.0 && e.value_span.1 <= e.line_span.1);
        }
        let _ = set.rows();
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(text) = append_setting("", "fuzz.value", s) {
            let set = parse_text(
                Path::new("/x/p.conf"),
                text.as_bytes(),
                &LoadOptions::default(),
            );
            assert!(!set.has_errors(), "{text:?}");
            assert_eq!(
                set.effective("fuzz.value").map(|e| e.value.as_str()),
                Some(s)
            );
        }
    }
});
