//! `cargo run -p pgtls-clients --example scan -- PATH... [--json]`: the
//! scanner without the CLI (handy while the root binary is being built).

fn main() {
    let mut json = false;
    let mut paths = vec![];
    for a in std::env::args().skip(1) {
        if a == "--json" {
            json = true;
        } else {
            paths.push(std::path::PathBuf::from(a));
        }
    }
    let r = pgtls_clients::scan::scan(&paths, &Default::default()).expect("scan");
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&pgtls_clients::report::scan_json(&r, None)).unwrap()
        );
    } else {
        print!(
            "{}",
            pgtls_clients::report::scan_text(&r, pgtls_model::Severity::Info)
        );
    }
}
