use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};

use crate::{Certs, OsUser, PgBin};

/// How to build a throwaway cluster. Defaults: SSL on with generated
/// certificates, listening on 127.0.0.1 and ::1, `log_connections = on`,
/// the initdb pg_hba.conf (trust for the superuser on local and loopback).
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    bin: PgBin,
    ssl: bool,
    listen_addresses: String,
    hba: Option<String>,
    conf: Vec<String>,
    superuser_password: Option<String>,
}

impl ClusterBuilder {
    pub fn new(bin: PgBin) -> Self {
        ClusterBuilder {
            bin,
            ssl: true,
            listen_addresses: "127.0.0.1,::1".to_string(),
            hba: None,
            conf: Vec::new(),
            superuser_password: None,
        }
    }

    /// `ssl = on` with generated certificates (default), or `ssl = off`
    /// (the certificates are still generated and written).
    pub fn ssl(mut self, on: bool) -> Self {
        self.ssl = on;
        self
    }

    pub fn listen_addresses(mut self, value: &str) -> Self {
        self.listen_addresses = value.to_string();
        self
    }

    /// Replace pg_hba.conf with this text before the first start.
    pub fn hba(mut self, text: &str) -> Self {
        self.hba = Some(text.to_string());
        self
    }

    /// Append a line to postgresql.conf (after the generated ones).
    pub fn conf(mut self, line: &str) -> Self {
        self.conf.push(line.to_string());
        self
    }

    /// Give the `postgres` superuser a password (initdb --pwfile).
    pub fn superuser_password(mut self, pw: &str) -> Self {
        self.superuser_password = Some(pw.to_string());
        self
    }

    pub fn start(self) -> Result<Cluster> {
        let mut last = None;
        // A free port can be taken between our probe and the server's bind;
        // retry a few times with a new port.
        for _ in 0..3 {
            match Cluster::create(&self) {
                Ok(c) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("three attempts ran"))
    }
}

/// A running throwaway cluster. Stopped and removed on drop.
#[derive(Debug)]
pub struct Cluster {
    pub bin: PgBin,
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub certs: Certs,
    pub user: OsUser,
    log_file: PathBuf,
    running: bool,
    // Dropped last: removes the whole tree.
    _tmp: tempfile::TempDir,
}

pub const SUPERUSER: &str = "postgres";

impl Cluster {
    pub fn builder(bin: PgBin) -> ClusterBuilder {
        ClusterBuilder::new(bin)
    }

    fn create(b: &ClusterBuilder) -> Result<Cluster> {
        let user = OsUser::for_server()?;
        let base = tmp_base();
        let tmp = tempfile::Builder::new()
            .prefix("pgtls-cluster-")
            .tempdir_in(&base)
            .with_context(|| format!("creating a temporary directory in {}", base.display()))?;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))?;
        let data_dir = tmp.path().join("data");
        let socket_dir = tmp.path().join("sock");
        fs::create_dir(&socket_dir)?;
        fs::set_permissions(&socket_dir, fs::Permissions::from_mode(0o755))?;
        user.chown(&socket_dir)?;
        let certs_dir = tmp.path().join("certs");
        fs::create_dir(&certs_dir)?;
        fs::set_permissions(&certs_dir, fs::Permissions::from_mode(0o755))?;

        let mut initdb = Command::new(b.bin.tool("initdb"));
        initdb.arg("-D").arg(&data_dir).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
        ]);
        if let Some(pw) = &b.superuser_password {
            let pwfile = tmp.path().join("pwfile");
            fs::write(&pwfile, pw)?;
            user.chown(&pwfile)?;
            initdb.arg(format!("--pwfile={}", pwfile.display()));
        }
        // initdb creates the data directory; its parent must be writable.
        user.chown(tmp.path())?;
        let out = run_as(&user, &mut initdb)?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let _ = fs::remove_file(tmp.path().join("pwfile"));

        let certs = Certs::generate(&certs_dir)?;
        for (src, name) in [
            (&certs.server_cert, "server.crt"),
            (&certs.server_key, "server.key"),
        ] {
            let dst = data_dir.join(name);
            fs::copy(src, &dst)?;
            fs::set_permissions(&dst, fs::Permissions::from_mode(0o600))?;
            user.chown(&dst)?;
        }
        fs::set_permissions(&certs.ca_cert, fs::Permissions::from_mode(0o644))?;

        let port = free_port()?;
        let mut conf = format!(
            "\n# --- pgtls throwaway cluster ---\nport = {port}\nlisten_addresses = '{}'\nunix_socket_directories = '{}'\nssl = {}\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\nlog_connections = on\nlc_messages = 'C'\n",
            b.listen_addresses,
            socket_dir.display(),
            if b.ssl { "on" } else { "off" },
        );
        for l in &b.conf {
            conf.push_str(l);
            conf.push('\n');
        }
        append(&data_dir.join("postgresql.conf"), &conf)?;
        if let Some(hba) = &b.hba {
            fs::write(data_dir.join("pg_hba.conf"), hba)?;
        }
        let log_file = tmp.path().join("server.log");
        fs::write(&log_file, "")?;
        user.chown(&log_file)?;

        let mut c = Cluster {
            bin: b.bin.clone(),
            data_dir,
            socket_dir,
            port,
            certs,
            user,
            log_file,
            running: false,
            _tmp: tmp,
        };
        c.pg_ctl_start()?;
        Ok(c)
    }

    fn pg_ctl_start(&mut self) -> Result<()> {
        let mut cmd = Command::new(self.bin.tool("pg_ctl"));
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", "60", "start"]);
        let out = run_as(&self.user, &mut cmd)?;
        if !out.status.success() {
            bail!(
                "pg_ctl start failed: {}\n--- server log ---\n{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                self.log()
            );
        }
        self.running = true;
        Ok(())
    }

    /// Start again after [`Cluster::stop`].
    pub fn start(&mut self) -> Result<()> {
        if !self.running {
            self.pg_ctl_start()?;
        }
        Ok(())
    }

    /// `pg_ctl stop -m fast`.
    pub fn stop(&mut self) -> Result<()> {
        if self.running {
            let mut cmd = Command::new(self.bin.tool("pg_ctl"));
            cmd.arg("-D")
                .arg(&self.data_dir)
                .args(["-w", "-m", "fast", "stop"]);
            let out = run_as(&self.user, &mut cmd)?;
            if !out.status.success() {
                bail!(
                    "pg_ctl stop failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            self.running = false;
        }
        Ok(())
    }

    /// `pg_ctl reload`: SIGHUP, the server re-reads its configuration files.
    pub fn reload(&self) -> Result<()> {
        let mut cmd = Command::new(self.bin.tool("pg_ctl"));
        cmd.arg("-D").arg(&self.data_dir).arg("reload");
        let out = run_as(&self.user, &mut cmd)?;
        if !out.status.success() {
            bail!(
                "pg_ctl reload failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The postmaster handles SIGHUP asynchronously: wait until it has.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok(())
    }

    pub fn hba_path(&self) -> PathBuf {
        self.data_dir.join("pg_hba.conf")
    }

    pub fn conf_path(&self) -> PathBuf {
        self.data_dir.join("postgresql.conf")
    }

    /// Write a file (path relative to the data directory, or absolute) owned
    /// by the server user, mode 0600.
    pub fn write_file(&self, rel: impl AsRef<Path>, text: &str) -> Result<PathBuf> {
        let p = self.data_dir.join(rel);
        if let Some(parent) = p.parent() {
            if !parent.exists() {
                fs::create_dir_all(parent)?;
                self.user.chown(parent)?;
            }
        }
        fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600))?;
        self.user.chown(&p)?;
        Ok(p)
    }

    pub fn write_hba(&self, text: &str) -> Result<PathBuf> {
        self.write_file("pg_hba.conf", text)
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    pub fn log_path(&self) -> &Path {
        &self.log_file
    }

    pub fn version_num(&self) -> u32 {
        self.bin.version_num
    }

    /// libpq key=value string for the superuser over the Unix socket.
    pub fn socket_conninfo(&self, db: &str) -> String {
        format!(
            "host={} port={} user={SUPERUSER} dbname={db}",
            self.socket_dir.display(),
            self.port
        )
    }

    /// libpq key=value string over TCP to `host` (e.g. 127.0.0.1 or ::1).
    pub fn tcp_conninfo(&self, host: &str, user: &str, db: &str, sslmode: &str) -> String {
        format!(
            "host={host} port={} user={user} dbname={db} sslmode={sslmode}",
            self.port
        )
    }

    /// Run SQL through psql as the superuser over the socket; returns the
    /// unaligned, tuples-only output (`|` between columns).
    pub fn psql(&self, sql: &str) -> Result<String> {
        let out = self.psql_raw(&self.socket_conninfo("postgres"), sql)?;
        if !out.status.success() {
            bail!(
                "psql failed for `{sql}`: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    }

    /// Run psql with any conninfo; the caller judges the outcome.
    pub fn psql_raw(&self, conninfo: &str, sql: &str) -> Result<Output> {
        let psql = find_psql(&self.bin)?;
        Command::new(psql)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                conninfo,
                "-c",
                sql,
            ])
            .env_remove("PGPASSWORD")
            .env_remove("PGSSLMODE")
            .env_remove("PGSERVICE")
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .context("running psql")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            let mut cmd = Command::new(self.bin.tool("pg_ctl"));
            cmd.arg("-D")
                .arg(&self.data_dir)
                .args(["-w", "-m", "immediate", "stop"]);
            let ok = run_as(&self.user, &mut cmd)
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !ok {
                // Last resort: the postmaster's pid is the first line of postmaster.pid.
                if let Ok(pid) = fs::read_to_string(self.data_dir.join("postmaster.pid")) {
                    if let Some(pid) = pid.lines().next() {
                        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
                    }
                }
            }
            self.running = false;
        }
    }
}

/// Where throwaway clusters live: `PGTLS_TMPDIR`, else the system temporary
/// directory unless it is under /root (the server user cannot enter it),
/// else /tmp.
fn tmp_base() -> PathBuf {
    if let Some(d) = std::env::var_os("PGTLS_TMPDIR") {
        return PathBuf::from(d);
    }
    let t = std::env::temp_dir();
    if t.starts_with("/root") {
        PathBuf::from("/tmp")
    } else {
        t
    }
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(l.local_addr()?.port())
}

fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

fn run_as(user: &OsUser, cmd: &mut Command) -> Result<Output> {
    if !user.is_current() {
        cmd.uid(user.uid).gid(user.gid);
    }
    cmd.current_dir("/")
        .env("LC_ALL", "C")
        .env_remove("PGDATA")
        .env_remove("PGPORT")
        .env_remove("PGHOST");
    cmd.output()
        .with_context(|| format!("running {:?}", cmd.get_program()))
}

/// psql: beside the server binaries, else Debian's, else PATH.
pub fn find_psql(bin: &PgBin) -> Result<PathBuf> {
    let beside = bin.tool("psql");
    if beside.is_file() {
        return Ok(beside);
    }
    if let Ok(rd) = fs::read_dir("/usr/lib/postgresql") {
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/psql"))
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        if let Some(p) = v.pop() {
            return Ok(p);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if d.join("psql").is_file() {
                return Ok(d.join("psql"));
            }
        }
    }
    bail!("psql not found: install the PostgreSQL client (`apt-get install postgresql-client`)")
}
