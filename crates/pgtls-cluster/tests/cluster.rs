//! The harness itself, on every server major this machine has.

use pgtls_cluster::{Cluster, PgBin};

#[test]
fn every_major_starts_with_ssl_and_serves_tls_over_loopback() {
    let bins = PgBin::one_per_major();
    assert!(
        !bins.is_empty(),
        "no PostgreSQL server binaries: run scripts/install-pg"
    );
    for bin in bins {
        let major = bin.major;
        let c = Cluster::builder(bin)
            .start()
            .unwrap_or_else(|e| panic!("PG{major}: {e:#}"));
        assert_eq!(c.psql("SHOW ssl").unwrap(), "on", "PG{major}");
        assert_eq!(
            c.psql("SELECT current_setting('server_version_num')::int / 10000")
                .unwrap(),
            major.to_string()
        );
        let out = c
            .psql_raw(
                &c.tcp_conninfo("127.0.0.1", "postgres", "postgres", "require"),
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            )
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "t",
            "PG{major}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = c
            .psql_raw(
                &c.tcp_conninfo("::1", "postgres", "postgres", "disable"),
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            )
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "f",
            "PG{major}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn dropping_a_cluster_stops_its_server() {
    let bin = PgBin::find(None).unwrap();
    let c = Cluster::builder(bin).start().unwrap();
    let pidfile = c.data_dir.join("postmaster.pid");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let data = c.data_dir.clone();
    drop(c);
    // The exited postmaster is reaped by init asynchronously: allow a moment.
    let gone = (0..50).any(|_| {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false);
        if alive {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        !alive
    });
    assert!(gone, "postmaster {pid} survived drop");
    assert!(!data.exists(), "data directory survived drop");
}
