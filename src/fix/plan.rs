//! Building the plan: from the same facts as `audit`, decide every edit,
//! render it, and predict its effect. Nothing is written here.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use pgtls_hba::{Address, AuthMethod, ConnType, HbaFile, HbaRule};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::hba_edit::{aligned_like, set_conn_type};
use super::impact::{self, Impact};
use super::{FixOptions, Via};
use crate::facts::{FileState, HbaSource, ServerFacts, Session};
use crate::live::ConnectSpec;
use crate::offline::{self, OfflineInput};

/// A pg_hba record whose connection type changes.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    pub file: String,
    pub line: u32,
    pub from: String,
    pub to: String,
    pub before: String,
    pub after: String,
    pub reason: String,
}

/// A record the plan adds (a `--allow-plaintext-from` exception or a guard).
#[derive(Debug, Clone, Serialize)]
pub struct RuleInsert {
    pub file: String,
    /// Inserted before this line of the original file (a line past the end
    /// appends).
    pub before_line: u32,
    pub text: String,
    pub reason: String,
}

/// A setting the plan changes.
#[derive(Debug, Clone, Serialize)]
pub struct SettingChange {
    pub name: String,
    pub current: String,
    pub new: String,
    pub via: Via,
    /// The file and line edited (`--via file`), or postgresql.auto.conf.
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The SQL run (`--via alter-system`).
    pub statement: Option<String>,
    pub reason: String,
}

/// A file the plan rewrites.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub path: String,
    /// SHA-256 of the file as read for the plan; apply refuses when the
    /// file no longer has it.
    pub sha256_before: String,
    pub sha256_after: String,
    pub diff: String,
}

/// One row of the plaintext-reachability table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachRow {
    pub file: String,
    pub line: u32,
    pub r#type: String,
    pub method: String,
    pub plaintext_reachable: bool,
    pub witness: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub target: String,
    pub version_num: u32,
    pub hba_changes: Vec<RuleChange>,
    pub hba_inserts: Vec<RuleInsert>,
    pub settings: Vec<SettingChange>,
    pub files: Vec<FileChange>,
    pub reachability_before: Vec<ReachRow>,
    pub reachability_after: Vec<ReachRow>,
    pub impact: Impact,
    /// Connections the change would lock out (refused without --force).
    pub lockout: Vec<String>,
    pub warnings: Vec<String>,
    pub nothing_to_do: bool,
}

/// What apply needs beyond the plan itself.
pub struct PlanContext {
    pub client: Option<postgres::Client>,
    pub spec: Option<ConnectSpec>,
    pub facts: ServerFacts,
    /// Every file to write: original bytes (as planned) and new text.
    pub writes: BTreeMap<PathBuf, (Vec<u8>, String)>,
    /// ALTER SYSTEM statements and the statements that undo them.
    pub statements: Vec<(String, String)>,
    pub hba_after: HbaFile,
    pub hba_top: PathBuf,
    pub data_dir: Option<PathBuf>,
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_loopback_net(addr: IpAddr, mask: IpAddr) -> bool {
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => {
            let m = u32::from(m);
            m >= 0xff00_0000 && (u32::from(a) & 0xff00_0000) == 0x7f00_0000
        }
        (IpAddr::V6(a), IpAddr::V6(m)) => u128::from(m) == u128::MAX && a.is_loopback(),
        _ => false,
    }
}

/// Whether a rule's address covers only loopback clients.
pub fn loopback_only(rule: &HbaRule) -> bool {
    match &rule.address {
        Address::Ip { addr, mask, .. } => is_loopback_net(*addr, *mask),
        _ => false,
    }
}

/// The rules that admit unencrypted TCP clients, per the reachability
/// analysis: TCP rules other than hostssl/hostgssenc whose method is not
/// reject and that some plaintext connection matches first.
fn plaintext_rules(hba: &HbaFile, ssl_on: bool) -> Vec<(usize, Option<String>)> {
    let reach = pgtls_hba::analyze(
        hba,
        &pgtls_hba::AnalyzeOptions {
            ssl_on,
            ..Default::default()
        },
    );
    hba.rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let rr = reach
                .rules
                .iter()
                .find(|x| x.file == r.file && x.line == r.line)?;
            rr.plaintext_reachable.then(|| {
                let w = reach
                    .plaintext_regions
                    .iter()
                    .find(|p| p.file == r.file && p.line == r.line)
                    .map(|p| {
                        format!(
                            "addr={} user={} db={}",
                            p.witness.addr, p.witness.user, p.witness.db
                        )
                    });
                (i, w)
            })
        })
        .collect()
}

fn reach_rows(hba: &HbaFile, ssl_on: bool) -> Vec<ReachRow> {
    let plain = plaintext_rules(hba, ssl_on);
    hba.rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.conn_type != ConnType::Local)
        .map(|(i, r)| {
            let p = plain.iter().find(|(j, _)| *j == i);
            ReachRow {
                file: r.file.clone(),
                line: r.line,
                r#type: r.conn_type.as_str().to_string(),
                method: r.method.as_str().to_string(),
                plaintext_reachable: p.is_some(),
                witness: p.and_then(|(_, w)| w.clone()),
            }
        })
        .collect()
}

/// Split a raw record into whitespace-separated fields, keeping quotes.
fn fields(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    for c in raw.chars() {
        if c == '"' {
            q = !q;
        }
        if !q && c == '#' {
            break;
        }
        if !q && (c == ' ' || c == '\t') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The raw line of a record with its type and address replaced (for
/// `--allow-plaintext-from` exceptions), aligned like the original.
fn exception_line(rule: &HbaRule, net: &ipnet::IpNet) -> Option<String> {
    let f = fields(rule.raw.lines().next().unwrap_or(""));
    if f.len() < 5 {
        return None;
    }
    let addr_cols = match &rule.address {
        Address::Ip { cidr: false, .. } => 2,
        _ => 1,
    };
    let mut new: Vec<String> = vec![
        "hostnossl".into(),
        f[1].clone(),
        f[2].clone(),
        net.to_string(),
    ];
    new.extend(f[3 + addr_cols..].iter().cloned());
    let refs: Vec<&str> = new.iter().map(String::as_str).collect();
    Some(aligned_like(&rule.raw, &refs))
}

/// Whether `net` lies within the rule's address range.
fn rule_covers(rule: &HbaRule, net: &ipnet::IpNet) -> bool {
    match &rule.address {
        Address::All => true,
        Address::Ip { addr, mask, .. } => {
            let Ok(rn) = ipnet::IpNet::with_netmask(*addr, *mask) else {
                return false;
            };
            rn.trunc().contains(net)
        }
        _ => false,
    }
}

fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(path, &format!("{path} (planned)"))
        .to_string()
}

/// Re-derive the after state from the original model: changed types,
/// inserted records (parsed from their text), later lines shifted.
fn model_after(
    before: &HbaFile,
    changes: &[RuleChange],
    inserts: &[RuleInsert],
    opts: &pgtls_hba::ParseOptions,
) -> HbaFile {
    let mut after = before.clone();
    for c in changes {
        if let Some(r) = after
            .rules
            .iter_mut()
            .find(|r| r.file == c.file && r.line == c.line)
        {
            r.conn_type = ConnType::from_name(&c.to).unwrap_or(r.conn_type);
            r.raw = c.after.clone();
        }
    }
    // Insert from the bottom so earlier positions stay valid.
    let mut ins: Vec<&RuleInsert> = inserts.iter().collect();
    ins.sort_by(|a, b| (&b.file, b.before_line).cmp(&(&a.file, a.before_line)));
    for i in ins {
        let parsed = pgtls_hba::parse_str(&format!("{}\n", i.text), &i.file, opts);
        let Some(mut rule) = parsed.rules.into_iter().next() else {
            continue;
        };
        rule.line = i.before_line;
        for r in after.rules.iter_mut() {
            if r.file == i.file && r.line >= i.before_line {
                r.line += 1;
            }
        }
        let pos = after
            .rules
            .iter()
            .position(|r| r.file == i.file && r.line > i.before_line)
            .or_else(|| {
                after
                    .rules
                    .iter()
                    .rposition(|r| r.file == i.file)
                    .map(|p| p + 1)
            })
            .unwrap_or(after.rules.len());
        after.rules.insert(pos, rule);
    }
    for (n, r) in after.rules.iter_mut().enumerate() {
        r.rule_number = n as u32 + 1;
    }
    after
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

pub fn make_plan(opts: &FixOptions) -> Result<(Plan, PlanContext)> {
    let input = OfflineInput {
        config_dir: opts.config_dir.clone(),
        pg_version: opts.pg_version,
        ..Default::default()
    };
    let (facts, client, superuser, target) = match &opts.live {
        Some(spec) => {
            let (f, c, lf) = crate::audit::collect_live(spec, &input)?;
            (f, Some(c), lf.is_superuser, spec.describe())
        }
        None => {
            let f = offline::collect(&input)?;
            let t = opts
                .config_dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            (f, None, false, t)
        }
    };
    let Some(hba) = facts.hba.clone() else {
        bail!("no pg_hba.conf to fix (the server named none that this host can read)");
    };
    if facts.files.hba_source != Some(HbaSource::File) {
        bail!(
            "pg_hba.conf ({}) is not readable from here: the plan needs the file itself. Run pgtls fix on the server's host as a user that can read and write it",
            facts.files.hba_file.as_deref().unwrap_or("?")
        );
    }
    if !hba.errors.is_empty() {
        let errs: Vec<String> = hba
            .errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.file, e.line, e.message))
            .collect();
        bail!(
            "pg_hba.conf does not load as it is; fix these first (a reload would keep the old rules):\n  {}",
            errs.join("\n  ")
        );
    }
    let version_num = facts.version_num.unwrap_or(offline::NEWEST_VERSION_NUM);
    let ssl_on = facts.ssl_on().unwrap_or(false);
    let data_dir = facts.files.data_directory.as_ref().map(PathBuf::from);
    let hba_top = PathBuf::from(facts.files.hba_file.clone().unwrap_or_default());
    let mut warnings = Vec::new();

    // --- Settings -------------------------------------------------------
    let via = match (opts.via, &opts.live) {
        (Some(Via::AlterSystem), None) => bail!("--via alter-system needs a live server (-d)"),
        (Some(v), _) => v,
        (None, Some(_)) if superuser => Via::AlterSystem,
        _ => Via::File,
    };
    if via == Via::AlterSystem && !superuser {
        bail!("--via alter-system needs a superuser connection (ALTER SYSTEM is superuser-only by default)");
    }
    let mut wanted: Vec<(&str, String, String)> = Vec::new();
    if !ssl_on {
        let missing: Vec<String> = facts
            .ssl_files
            .iter()
            .filter(|f| f.setting == "ssl_cert_file" || f.setting == "ssl_key_file")
            .filter(|f| f.state != FileState::Readable)
            .map(|f| format!("{} {} ({})", f.setting, f.path, f.state))
            .collect();
        let known = facts
            .ssl_files
            .iter()
            .filter(|f| f.setting == "ssl_cert_file" || f.setting == "ssl_key_file")
            .count();
        if !missing.is_empty() || known < 2 {
            bail!(
                "ssl is off and its certificate and key are not in place ({}): refusing to turn ssl on (the server would not start) and to require hostssl (every TCP client would be rejected). Install the certificate and key first",
                if missing.is_empty() { "cannot check them from here".to_string() } else { missing.join(", ") }
            );
        }
        wanted.push((
            "ssl",
            "on".into(),
            "TLS must be available before hostssl rules can match".into(),
        ));
    }
    match facts.effective_min_tls() {
        Some((floor, explicit)) if floor >= opts.min_tls.version() && explicit => {}
        Some((floor, explicit)) => wanted.push((
            "ssl_min_protocol_version",
            opts.min_tls.as_pg().into(),
            format!(
                "the effective floor is {floor}{}",
                if explicit {
                    ""
                } else {
                    " (compiled default, not pinned)"
                }
            ),
        )),
        None => wanted.push((
            "ssl_min_protocol_version",
            opts.min_tls.as_pg().into(),
            "not set".into(),
        )),
    }
    let mut settings = Vec::new();
    let mut statements = Vec::new();
    let mut writes: BTreeMap<PathBuf, (Vec<u8>, String)> = BTreeMap::new();
    let conf_set = if via == Via::File && !wanted.is_empty() {
        let cf = facts
            .files
            .config_file
            .clone()
            .context("the configuration file is unknown: pass --config-dir")?;
        let dd = data_dir.clone();
        let files = pgtls_conf::ServerFiles {
            config_file: PathBuf::from(&cf),
            data_directory: dd.clone(),
            hba_file: hba_top.clone(),
            ident_file: PathBuf::new(),
            auto_conf: dd.map(|d| d.join("postgresql.auto.conf")),
            pg_version: Some(version_num / 10000),
        };
        Some((pgtls_conf::load(&files), PathBuf::from(cf)))
    } else {
        None
    };
    for (name, value, reason) in wanted {
        let current = facts
            .setting(name)
            .map(|s| s.value.clone())
            .unwrap_or_default();
        match via {
            Via::AlterSystem => {
                let prev_in_auto = facts
                    .setting(name)
                    .and_then(|s| s.location.as_ref())
                    .map(|l| l.file.ends_with("postgresql.auto.conf"))
                    .unwrap_or(false);
                let stmt = format!("ALTER SYSTEM SET {name} = '{value}'");
                let undo = if prev_in_auto {
                    format!(
                        "ALTER SYSTEM SET {name} = '{}'",
                        current.replace('\'', "''")
                    )
                } else {
                    format!("ALTER SYSTEM RESET {name}")
                };
                statements.push((stmt.clone(), undo));
                settings.push(SettingChange {
                    name: name.into(),
                    current,
                    new: value,
                    via,
                    file: data_dir
                        .as_ref()
                        .map(|d| d.join("postgresql.auto.conf").display().to_string()),
                    line: None,
                    statement: Some(stmt),
                    reason,
                });
            }
            Via::File => {
                let (set, conf_file) = conf_set.as_ref().expect("loaded above");
                let (path, line) = match set.effective(name) {
                    Some(e) => (PathBuf::from(&e.file), Some(e.line)),
                    None => (conf_file.clone(), None),
                };
                let entry = match writes.get(&path) {
                    Some(e) => e.clone(),
                    None => {
                        let b = read(&path)?;
                        let t = String::from_utf8_lossy(&b).to_string();
                        (b, t)
                    }
                };
                let new_text = match line {
                    Some(l) => pgtls_conf::set_value_in_text(&entry.1, l, &value),
                    None => pgtls_conf::append_setting(&entry.1, name, &value),
                }
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                let new_line = line.or_else(|| Some(new_text.lines().count() as u32));
                writes.insert(path.clone(), (entry.0, new_text));
                settings.push(SettingChange {
                    name: name.into(),
                    current,
                    new: value,
                    via,
                    file: Some(path.display().to_string()),
                    line: new_line,
                    statement: None,
                    reason,
                });
            }
        }
    }

    // --- pg_hba ----------------------------------------------------------
    // After the plan ssl is on, so judge reachability with ssl on.
    let plain = plaintext_rules(&hba, true);
    let mut changes = Vec::new();
    let mut inserts = Vec::new();
    let mut kept_plaintext: Vec<(String, u32)> = Vec::new();
    for (i, witness) in &plain {
        let r = &hba.rules[*i];
        // A rule inside an --allow-plaintext-from network is an intended
        // exception (possibly one an earlier run added): keep it.
        if opts
            .allow_plaintext_from
            .iter()
            .any(|net| rule_within(r, net))
        {
            kept_plaintext.push((r.file.clone(), r.line));
            continue;
        }
        if opts.keep_loopback && loopback_only(r) {
            kept_plaintext.push((r.file.clone(), r.line));
            warnings.push(format!(
                "{}:{} kept (--keep-loopback): plaintext from loopback stays allowed",
                r.file, r.line
            ));
            continue;
        }
        let from = r.conn_type.as_str();
        let first = r.raw.lines().next().unwrap_or("");
        let after = set_conn_type(&format!("{first}\n"), 1, from, "hostssl")
            .map(|s| s.trim_end_matches('\n').to_string())
            .unwrap_or_else(|_| first.to_string());
        changes.push(RuleChange {
            file: r.file.clone(),
            line: r.line,
            from: from.into(),
            to: "hostssl".into(),
            before: first.to_string(),
            after,
            reason: format!(
                "admits unencrypted TCP clients{}",
                witness
                    .as_ref()
                    .map(|w| format!(", e.g. {w}"))
                    .unwrap_or_default()
            ),
        });
        for net in &opts.allow_plaintext_from {
            if rule_covers(r, net) {
                if let Some(text) = exception_line(r, net) {
                    inserts.push(RuleInsert {
                        file: r.file.clone(),
                        before_line: r.line,
                        text,
                        reason: format!("--allow-plaintext-from {net}"),
                    });
                    kept_plaintext.push((r.file.clone(), r.line));
                }
            } else if net_overlaps(r, net) {
                warnings.push(format!(
                    "{}:{}: --allow-plaintext-from {net} only partly overlaps this rule's address; no exception added",
                    r.file, r.line
                ));
            }
        }
    }
    if opts.guard {
        // Guards take effect after every rule meant to admit plaintext and
        // before the first TCP rule otherwise.
        let pos = kept_plaintext
            .iter()
            .filter_map(|(f, l)| hba.rules.iter().position(|r| &r.file == f && r.line == *l))
            .max()
            .map(|p| p + 1)
            .or_else(|| {
                hba.rules
                    .iter()
                    .position(|r| r.conn_type != ConnType::Local)
            })
            .unwrap_or(hba.rules.len());
        let (file, before_line, model) = match hba.rules.get(pos) {
            Some(r) => (r.file.clone(), r.line, r.raw.clone()),
            None => {
                let last = hba.rules.last();
                let file = last.map(|r| r.file.clone()).unwrap_or(hba.file.clone());
                let lines = std::fs::read_to_string(&file)
                    .map(|t| t.lines().count() as u32)
                    .unwrap_or(0);
                (
                    file,
                    lines + 1,
                    last.map(|r| r.raw.clone()).unwrap_or_default(),
                )
            }
        };
        // A guard already in place (from an earlier run or by hand) is not
        // added again: `all`, or the family's whole range.
        let has_guard = |v6: bool| {
            hba.rules.iter().any(|r| {
                r.conn_type == ConnType::HostNoSsl
                    && r.method == AuthMethod::Reject
                    && r.databases.iter().all(|t| t.is_keyword("all"))
                    && r.users.iter().all(|t| t.is_keyword("all"))
                    && match &r.address {
                        Address::All => true,
                        Address::Ip { addr, mask, .. } => {
                            addr.is_ipv6() == v6 && pgtls_hba::ip::mask_prefix(*mask) == Some(0)
                        }
                        _ => false,
                    }
            })
        };
        for (net, v6) in [("0.0.0.0/0", false), ("::/0", true)] {
            if !has_guard(v6) {
                inserts.push(RuleInsert {
                    file: file.clone(),
                    before_line,
                    text: aligned_like(&model, &["hostnossl", "all", "all", net, "reject"]),
                    reason: "guard: refuse every remaining unencrypted TCP connection (evidence for auditors)".into(),
                });
            }
        }
    }

    // New texts of the hba files.
    let mut by_file: BTreeMap<String, (Vec<&RuleChange>, Vec<&RuleInsert>)> = BTreeMap::new();
    for c in &changes {
        by_file.entry(c.file.clone()).or_default().0.push(c);
    }
    for i in &inserts {
        by_file.entry(i.file.clone()).or_default().1.push(i);
    }
    for (file, (cs, is)) in &by_file {
        let path = PathBuf::from(file);
        let bytes = read(&path)?;
        let mut text = String::from_utf8(bytes.clone())
            .map_err(|_| anyhow::anyhow!("{file}: not valid UTF-8; refusing to rewrite it"))?;
        for c in cs {
            text = set_conn_type(&text, c.line, &c.from, &c.to)
                .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        }
        // Inserts bottom-up; a guard comment precedes the guard pair.
        let mut is: Vec<&&RuleInsert> = is.iter().collect();
        is.sort_by_key(|i| std::cmp::Reverse(i.before_line));
        let mut lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
        let mut idx = 0;
        while idx < is.len() {
            let at = is[idx].before_line;
            let group: Vec<&RuleInsert> = is[idx..]
                .iter()
                .take_while(|i| i.before_line == at)
                .map(|i| **i)
                .collect();
            idx += group.len();
            let mut block = String::new();
            let mut group = group;
            group.reverse();
            for g in &group {
                if g.reason.starts_with("guard") && !block.contains("pgtls guard") {
                    block.push_str(
                        "# pgtls guard: no unencrypted TCP connection gets past this point\n",
                    );
                }
                block.push_str(&g.text);
                block.push('\n');
            }
            let p = (at as usize).saturating_sub(1).min(lines.len());
            if p == lines.len() && lines.last().is_some_and(|l| !l.ends_with('\n')) {
                lines.last_mut().unwrap().push('\n');
            }
            lines.insert(p, block);
        }
        writes.insert(path, (bytes, lines.concat()));
    }

    // Diffs.
    let mut files = Vec::new();
    for (path, (old, new)) in &writes {
        let old_s = String::from_utf8_lossy(old);
        files.push(FileChange {
            path: path.display().to_string(),
            sha256_before: sha256(old),
            sha256_after: sha256(new.as_bytes()),
            diff: unified_diff(&path.display().to_string(), &old_s, new),
        });
    }

    // Before / after.
    let popts = pgtls_hba::ParseOptions {
        version_num,
        ssl_on: true,
        ..Default::default()
    };
    let hba_after = model_after(&hba, &changes, &inserts, &popts);
    let reachability_before = reach_rows(&hba, ssl_on);
    let reachability_after = reach_rows(&hba_after, true);

    let sessions: Vec<Session> = facts
        .sessions
        .as_ref()
        .map(|s| s.clients.iter().chain(&s.replication).cloned().collect())
        .unwrap_or_default();
    let mctx = impact::match_context(&facts, version_num);
    let mut impact = impact::sessions(&hba, &hba_after, &mctx, &sessions);
    impact.sessions_known = facts.sessions.is_some();
    if let Some(inv) = &opts.client_inventory {
        impact.inventory = impact::inventory(inv)?;
    }
    let lockout = impact::lockout(
        &hba,
        &hba_after,
        &mctx,
        &facts,
        &opts.keep_access,
        &mut warnings,
    )?;

    let nothing_to_do = changes.is_empty() && inserts.is_empty() && settings.is_empty();
    Ok((
        Plan {
            target,
            version_num,
            hba_changes: changes,
            hba_inserts: inserts,
            settings,
            files,
            reachability_before,
            reachability_after,
            impact,
            lockout,
            warnings,
            nothing_to_do,
        },
        PlanContext {
            client,
            spec: opts.live.clone(),
            facts,
            writes,
            statements,
            hba_after,
            hba_top,
            data_dir,
        },
    ))
}

/// Whether the rule's whole address range lies inside `net`.
fn rule_within(rule: &HbaRule, net: &ipnet::IpNet) -> bool {
    match &rule.address {
        Address::Ip { addr, mask, .. } => ipnet::IpNet::with_netmask(*addr, *mask)
            .map(|rn| net.contains(&rn.trunc()))
            .unwrap_or(false),
        _ => false,
    }
}

fn net_overlaps(rule: &HbaRule, net: &ipnet::IpNet) -> bool {
    match &rule.address {
        Address::Ip { addr, mask, .. } => ipnet::IpNet::with_netmask(*addr, *mask)
            .map(|rn| {
                let rn = rn.trunc();
                rn.contains(&net.network()) || net.contains(&rn.network())
            })
            .unwrap_or(false),
        _ => false,
    }
}
