//! Deterministic generators of pg_hba.conf files for the differential
//! tests, the benchmark and the fuzz seeds. Not part of the stable API.

/// splitmix64: small, seedable, good enough for test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// A generated pg_hba.conf and the files it references (relative names).
#[derive(Debug, Clone, Default)]
pub struct GenFiles {
    pub main: String,
    pub aux: Vec<(String, String)>,
}

const NAMES: &[&str] = &[
    "app",
    "alice",
    "bob",
    "db1",
    "db2",
    "reporting",
    "u1",
    "g1",
    "x-y",
    "Admin",
];

fn name(r: &mut Rng) -> String {
    match r.below(20) {
        0 => "\"all\"".into(),
        1 => "\"my db\"".into(),
        2 => "\"a,b\"".into(),
        3 => "\"\"".into(),
        4 => "al\"l\"".into(),
        5 => "\"say \"\"hi\"\"\"".into(),
        6 => "\"sameuser\"".into(),
        _ => r.pick(NAMES).to_string(),
    }
}

fn regex(r: &mut Rng) -> String {
    let good = [
        "/^app_",
        "/^u[12]$",
        "/a.b",
        "\"/^(a|b),c$\"",
        "/",
        "/x*",
        "/^[a-z]+[0-9]{2}$",
    ];
    let bad = ["/(a", "/[a", "/*x", "/a{3,1}", "/a)"];
    if r.chance(75) {
        r.pick(&good).to_string()
    } else {
        r.pick(&bad).to_string()
    }
}

fn list(r: &mut Rng, item: &mut dyn FnMut(&mut Rng) -> String) -> String {
    let n = 1 + r.below(3);
    let mut parts: Vec<String> = (0..n).map(|_| item(r)).collect();
    if r.chance(4) {
        parts.insert(1, String::new()); // a,,b
    }
    let sep = match r.below(12) {
        0 => ", ",
        1 => " ,", // the classic mistake: a new field
        _ => ",",
    };
    parts.join(sep)
}

fn db(r: &mut Rng, major: u32) -> String {
    list(r, &mut |r| match r.below(16) {
        0..=3 => "all".into(),
        4 => "sameuser".into(),
        5 => "samerole".into(),
        6 => "samegroup".into(),
        7 => "replication".into(),
        8 => "@dbs.txt".into(),
        9 if major >= 16 || r.chance(30) => regex(r),
        _ => name(r),
    })
}

fn user(r: &mut Rng, major: u32) -> String {
    list(r, &mut |r| match r.below(14) {
        0..=3 => "all".into(),
        4 => "+g1".into(),
        5 => "\"+g1\"".into(),
        6 => "@users.txt".into(),
        7 => "@\"users.txt\"".into(),
        8 => "\"@users.txt\"".into(),
        9 if major >= 16 || r.chance(30) => regex(r),
        10 => "@missing_list.txt".into(),
        _ => name(r),
    })
}

fn v4(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        r.pick(&[10u8, 127, 192, 172, 0, 255]),
        r.below(256),
        r.below(256),
        r.below(256)
    )
}

fn address(r: &mut Rng) -> Vec<String> {
    let a = match r.below(30) {
        0..=2 => "all".into(),
        3 => "samehost".into(),
        4 => "samenet".into(),
        5 => "\"samenet\"".into(),
        6..=11 => format!("{}/{}", v4(r), r.below(33)),
        12 => format!("{}/{}", v4(r), r.pick(&["33", "-1", "+8", "", "8x", "08"])),
        13 => {
            return vec![
                v4(r),
                r.pick(&[
                    "255.255.255.0",
                    "255.0.255.0",
                    "0.0.0.0",
                    "255.255.255.255",
                    "ffff::",
                    "300.1.1.1",
                ])
                .to_string(),
            ]
        }
        14 => return vec![v4(r)],
        15 => format!(
            "{}/{}",
            r.pick(&[
                "::1",
                "::",
                "fe80::",
                "2001:db8::1",
                "::ffff:10.0.0.1",
                "1::2:3"
            ]),
            r.below(129)
        ),
        16 => format!("::1/{}", r.pick(&["129", "64", "128"])),
        17 => {
            return vec![
                "::1".into(),
                r.pick(&["ffff:ffff::", "255.255.255.255", "::"])
                    .to_string(),
            ]
        }
        18 => r
            .pick(&["db.example.com", ".example.com", "10.0.0.300", "localhost"])
            .to_string(),
        19 => "10.0.0.300/8".into(),
        20 => "db.example.com/32".into(),
        21 => r
            .pick(&[
                "127.1/32",
                "0x7f.1/32",
                "010.0.0.1/8",
                "2130706433/32",
                "1.2.3/24",
            ])
            .to_string(),
        22 => "10.0.0.0/8,192.168.0.0/16".into(),
        23 => "\"10.0.0.0/8\"".into(),
        _ => format!("{}/{}", v4(r), r.pick(&[8, 16, 24, 32])),
    };
    vec![a]
}

const METHODS: &[&str] = &[
    "trust",
    "reject",
    "md5",
    "scram-sha-256",
    "password",
    "gss",
    "sspi",
    "ident",
    "peer",
    "pam",
    "ldap",
    "radius",
    "cert",
    "bsd",
    "oauth",
    "Trust",
    "\"trust\"",
    "md5,trust",
    "krb5",
];

fn options(r: &mut Rng, method: &str) -> Vec<String> {
    let mut o = Vec::new();
    let n = if r.chance(60) { 0 } else { 1 + r.below(3) };
    for _ in 0..n {
        let opt = match r.below(26) {
            0 => "map=mymap".to_string(),
            1 => format!(
                "clientcert={}",
                r.pick(&["verify-full", "verify-ca", "1", "0", "no-verify", "bogus"])
            ),
            2 => format!("clientname={}", r.pick(&["CN", "DN", "cn"])),
            3 => format!("include_realm={}", r.pick(&["0", "1", "true"])),
            4 => "krb_realm=EXAMPLE.COM".into(),
            5 => "pamservice=postgresql".into(),
            6 => "pam_use_hostname=1".into(),
            7 => "ldapserver=ldap.example.com".into(),
            8 => format!("ldapport={}", r.pick(&["389", "0", "x", "636abc"])),
            9 => "ldapbasedn=\"dc=example,dc=com\"".into(),
            10 => "ldapprefix=cn=".into(),
            11 => "ldapsuffix=\",dc=example,dc=com\"".into(),
            12 => format!("ldaptls={}", r.pick(&["1", "true"])),
            13 => format!("ldapscheme={}", r.pick(&["ldaps", "ldap", "http"])),
            14 => "ldapsearchattribute=uid".into(),
            15 => "ldapsearchfilter=\"(uid=$username)\"".into(),
            16 => "ldapurl=\"ldap://ldap.example.com/dc=example,dc=com?uid?sub\"".into(),
            17 => format!(
                "radiusservers={}",
                r.pick(&[
                    "127.0.0.1",
                    "\"127.0.0.1,127.0.0.2\"",
                    "127.0.0.1,127.0.0.2",
                    "\"\""
                ])
            ),
            18 => format!(
                "radiussecrets={}",
                r.pick(&["s3cret", "\"a,b\"", "\"a,,b\""])
            ),
            19 => format!(
                "radiusports={}",
                r.pick(&["1812", "\"1812,1813\"", "0", "\"x\""])
            ),
            20 => "radiusidentifiers=pg".into(),
            21 => "bogus=1".into(),
            22 => "noequals".into(),
            23 => "compat_realm=1".into(),
            24 => "ldapbinddn=cn=admin".into(),
            _ => "map=other".into(),
        };
        o.push(opt);
    }
    if method.contains("ldap") && r.chance(70) {
        o.push("ldapserver=127.0.0.1".into());
        o.push(
            r.pick(&["ldapbasedn=dc=x", "ldapprefix=cn=", "ldapsuffix=dc=x"])
                .to_string(),
        );
    }
    if method.contains("radius") && r.chance(70) {
        o.push("radiusservers=127.0.0.1".into());
        o.push("radiussecrets=s3cret".into());
    }
    o
}

fn rule_line(r: &mut Rng, major: u32) -> String {
    let ty = match r.below(40) {
        0..=9 => "host",
        10..=15 => "hostssl",
        16..=19 => "hostnossl",
        20 => "hostgssenc",
        21 => "hostnogssenc",
        22..=29 => "local",
        30 => "\"host\"",
        31 => "HOST",
        32 => "host,local",
        33 => "hots",
        _ => "host",
    };
    let method = if r.chance(70) {
        r.pick(&[
            "trust",
            "reject",
            "md5",
            "scram-sha-256",
            "password",
            "peer",
            "ident",
        ])
        .to_string()
    } else {
        r.pick(METHODS).to_string()
    };
    let mut f: Vec<String> = vec![ty.to_string(), db(r, major), user(r, major)];
    if ty != "local" || r.chance(5) {
        f.extend(address(r));
    }
    if !r.chance(3) {
        f.push(method.clone());
    }
    f.extend(options(r, &method));
    if r.chance(3) {
        f.truncate(r.below(f.len() as u64) as usize + 1);
    }
    let sep = if r.chance(10) { "\t" } else { " " };
    let mut line = f.join(sep);
    if r.chance(8) {
        let tail: &&str = r.pick(&["  # trailing comment", "#glued", " \"#not a comment\""]);
        line.push_str(tail);
    }
    if r.chance(6) {
        // continuation in the middle of the line
        if let Some(p) = line.find(' ') {
            let (a, b) = line.split_at(p);
            line = format!("{a} \\\n{}", b.trim_start());
        }
    }
    line
}

/// A random pg_hba.conf exercising every syntax feature of `major` and the
/// usual mistakes, with its `@` lists and include files.
pub fn syntax_file(seed: u64, major: u32) -> GenFiles {
    let mut r = Rng::new(seed);
    let mut lines: Vec<String> = Vec::new();
    let n = 3 + r.below(25);
    for _ in 0..n {
        let l = match r.below(40) {
            0 => "# a comment".to_string(),
            1 => String::new(),
            2 => "   \t ".to_string(),
            3 => "# comment ending in backslash \\".to_string(),
            4 => "host all all \\  ".to_string(),
            5 => format!(
                "include {}",
                r.pick(&[
                    "inc_a.conf",
                    "missing.conf",
                    "\"inc_a.conf\"",
                    "inc_self.conf",
                    "/nonexistent/x.conf",
                    "inc_a.conf,inc_b.conf"
                ])
            ),
            6 => format!(
                "include_if_exists {}",
                r.pick(&["inc_b.conf", "missing.conf"])
            ),
            7 => format!(
                "include_dir {}",
                r.pick(&["conf.d", "missing.d", "\"\"", "\" \""])
            ),
            8 => "include inc_a.conf extra".to_string(),
            9 => format!(
                "host {} all 10.0.0.0/8 md5",
                "x".repeat(*r.pick(&[254usize, 255, 256, 300]))
            ),
            10 if r.chance(20) => format!(
                "host all {} 10.0.0.0/8 md5",
                "y".repeat(*r.pick(&[10238usize, 10239, 10240, 10300]))
            ),
            11 if r.chance(20) => format!(
                "host all all 10.0.0.0/8 md5 # {}",
                "z".repeat(*r.pick(&[8180usize, 8190, 8191, 9000]))
            ),
            12 => "local all all trust\r".to_string(),
            13 => "\"local\" all all trust".to_string(),
            14 => "host all all 10.0.0.0/8\\".to_string(),
            _ => rule_line(&mut r, major),
        };
        lines.push(l);
    }
    let mut main = lines.join("\n");
    if r.chance(80) {
        main.push('\n');
    }
    let aux = vec![
        (
            "dbs.txt".to_string(),
            "db1, db2\n# comment\n\"quoted db\" @more.txt\n".to_string(),
        ),
        ("more.txt".to_string(), "db3\n".to_string()),
        (
            "users.txt".to_string(),
            "alice,bob\n+g1 \"all\"\n".to_string(),
        ),
        (
            "inc_a.conf".to_string(),
            "host app alice 192.168.1.0/24 scram-sha-256\nlocal all all peer\n".to_string(),
        ),
        (
            "inc_b.conf".to_string(),
            "hostssl all all ::/0 scram-sha-256\nbroken line here\n".to_string(),
        ),
        (
            "inc_self.conf".to_string(),
            "include inc_self.conf\n".to_string(),
        ),
        (
            "conf.d/10-first.conf".to_string(),
            "host all all 10.1.0.0/16 md5\n".to_string(),
        ),
        (
            "conf.d/20-second.conf".to_string(),
            "hostnossl all all 0.0.0.0/0 reject\n".to_string(),
        ),
        ("conf.d/.hidden.conf".to_string(), "garbage\n".to_string()),
        (
            "conf.d/30-ignored.conf~".to_string(),
            "garbage\n".to_string(),
        ),
        ("conf.d/.conf".to_string(), "garbage\n".to_string()),
    ];
    GenFiles { main, aux }
}

/// A rule set for the match differential: only trust / reject / password /
/// md5 / scram-sha-256, loopback addresses, roles u1..u4 and groups g1..g3,
/// databases d1, d2 and friends. Always loads on every major.
pub fn match_rules(seed: u64, major: u32) -> String {
    let mut r = Rng::new(seed);
    let n = 2 + r.below(10);
    let mut out = Vec::new();
    for _ in 0..n {
        let ty = *r.pick(&[
            "host",
            "host",
            "hostssl",
            "hostnossl",
            "hostnogssenc",
            "local",
            "local",
        ]);
        let db = plain_list(
            &mut r,
            &[
                "all",
                "all",
                "d1",
                "d2",
                "sameuser",
                "samerole",
                "replication",
                "\"all\"",
                "g1",
            ],
        );
        let mut users_pool = vec![
            "all", "all", "u1", "u2", "u3", "+g1", "+g2", "+g3", "\"+g1\"", "\"all\"",
        ];
        if major >= 16 {
            users_pool.extend(["/^u[12]$", "/3"]);
        }
        let db = if major >= 16 && r.chance(15) {
            "/^d".to_string()
        } else {
            db
        };
        let user = plain_list(&mut r, &users_pool);
        let method = *r.pick(&[
            "trust",
            "reject",
            "reject",
            "password",
            "md5",
            "scram-sha-256",
        ]);
        let line = if ty == "local" {
            format!("local {db} {user} {method}")
        } else {
            let addr = match r.below(12) {
                0 => "all".to_string(),
                1 => "samehost".to_string(),
                2 => "samenet".to_string(),
                3 => "::1/128".to_string(),
                4 => "::/0".to_string(),
                5 => "0.0.0.0/0".to_string(),
                6 => format!("127.{}.0.0 255.255.0.0", r.below(4)),
                _ => {
                    let p = *r.pick(&[8u32, 16, 24, 30, 32]);
                    format!("127.{}.{}.{}/{p}", r.below(4), r.below(4), r.below(4))
                }
            };
            format!("{ty} {db} {user} {addr} {method}")
        };
        out.push(line);
    }
    out.join("\n") + "\n"
}

fn plain_list(r: &mut Rng, pool: &[&str]) -> String {
    let n = 1 + r.below(3);
    (0..n)
        .map(|_| r.pick(pool).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// A large generated file for the benchmark: `n` rules, realistic mix.
pub fn bench_file(seed: u64, n: usize) -> String {
    let mut r = Rng::new(seed);
    let mut s = String::with_capacity(n * 60);
    s.push_str("local all postgres peer\nhostnossl all all 0.0.0.0/0 reject\n");
    for i in 0..n.saturating_sub(2) {
        let ty = *r.pick(&["host", "hostssl", "hostssl", "hostssl", "local"]);
        let db = match r.below(5) {
            0 => "all".to_string(),
            1 => format!("db{}", r.below(1000)),
            2 => format!("db{},db{}", r.below(1000), r.below(1000)),
            3 => "sameuser".to_string(),
            _ => format!("app{}", i % 500),
        };
        let user = match r.below(5) {
            0 => "all".to_string(),
            1 => format!("+grp{}", r.below(50)),
            _ => format!("user{}", r.below(5000)),
        };
        let method = *r.pick(&["scram-sha-256", "scram-sha-256", "md5", "reject", "trust"]);
        if ty == "local" {
            s.push_str(&format!("local {db} {user} {method}\n"));
        } else {
            let addr = match r.below(6) {
                0 => format!("10.{}.{}.0/24", r.below(256), r.below(256)),
                1 => format!("10.{}.0.0/16", r.below(256)),
                2 => format!("192.168.{}.{}/32", r.below(256), r.below(256)),
                3 => format!("fd00:{:x}::/48", r.below(65536)),
                4 => format!("172.16.{}.0 255.255.255.0", r.below(256)),
                _ => "all".to_string(),
            };
            s.push_str(&format!("{ty} {db} {user} {addr} {method}  # rule {i}\n"));
        }
    }
    s
}

/// A large generated file in which nearly every rule is reachable: one
/// application per line (its own database and role, a /32 or /24 or an
/// IPv6 /64), like a fleet's generated pg_hba.conf, with a plaintext guard
/// near the top that loopback lines precede, and a final reject. Unlike
/// [`bench_file`], whose catch-all lines shadow most of the file early, the
/// analysis here has to place every rule's space.
pub fn bench_file_reachable(seed: u64, n: usize) -> String {
    let mut r = Rng::new(seed);
    let mut s = String::with_capacity(n * 70);
    s.push_str("local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n");
    s.push_str("hostnossl all all 0.0.0.0/0 reject\n");
    for i in 0..n.saturating_sub(4) {
        let ty = *r.pick(&["hostssl", "hostssl", "hostssl", "host", "hostnossl"]);
        let db = match r.below(6) {
            0 => format!("app{i},app{i}_ro"),
            1 => "sameuser".to_string(),
            2 => format!("db{}", r.below(2000)),
            _ => format!("app{i}"),
        };
        let user = match r.below(8) {
            0 => format!("+team{}", r.below(200)),
            1 => format!("svc{i},svc{i}_ro"),
            _ => format!("svc{i}"),
        };
        let method = *r.pick(&["scram-sha-256", "scram-sha-256", "cert", "md5", "reject"]);
        let method = if method == "cert" && ty != "hostssl" {
            "scram-sha-256"
        } else {
            method
        };
        let addr = match r.below(5) {
            0 => format!("10.{}.{}.0/24", r.below(256), r.below(256)),
            1 => format!("fd00:{:x}:{:x}::/64", r.below(65536), r.below(65536)),
            2 => format!("172.16.{}.0 255.255.255.0", r.below(256)),
            _ => format!("10.{}.{}.{}/32", r.below(256), r.below(256), r.below(256)),
        };
        s.push_str(&format!("{ty} {db} {user} {addr} {method}  # app {i}\n"));
    }
    s.push_str("host all all all reject\n");
    s
}
