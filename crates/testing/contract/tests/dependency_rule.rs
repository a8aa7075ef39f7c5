//! The hexagonal rule, checked on the real dependency graph: no crate under crates/domain/
//! reaches an infrastructure crate through its normal (non-dev) dependencies, even
//! transitively.

use std::collections::{HashMap, HashSet};
use std::process::Command;

use serde_json::Value;

const INFRASTRUCTURE: &[&str] = &[
    "actix-web",
    "actix-http",
    "actix-rt",
    "diesel",
    "diesel-async",
    "deadpool-redis",
    "redis",
    "reqwest",
    "async-stripe",
    "tokio-postgres",
    "sqlx",
    "hyper",
    "wiremock",
    "tokio",
];

/// The triple this machine builds for, so `cargo metadata` needs only the packages that
/// were downloaded for the build (other platforms' crates may be absent offline).
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host")
}

fn metadata() -> Value {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &host_triple(),
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// Package names by id, and resolved dependency nodes by id.
fn graph(meta: &Value) -> (HashMap<&str, &str>, HashMap<&str, &Value>) {
    let names = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let nodes = meta["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();
    (names, nodes)
}

/// Names of the infrastructure crates `root` reaches through normal or build dependencies.
fn infrastructure_reached(
    root: &str,
    nodes: &HashMap<&str, &Value>,
    names: &HashMap<&str, &str>,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    let mut hits = Vec::new();
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let only_dev = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|k| k["kind"] == "dev");
            let pkg = dep["pkg"].as_str().expect("pkg id");
            if only_dev || !seen.insert(pkg) {
                continue;
            }
            if INFRASTRUCTURE.contains(&names[pkg]) {
                hits.push(names[pkg].to_owned());
            }
            stack.push(pkg);
        }
    }
    hits.sort();
    hits
}

#[test]
fn domain_crates_reach_no_infrastructure_crate() {
    let meta = metadata();
    let (names, nodes) = graph(&meta);
    let domain: Vec<&Value> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| {
            p["manifest_path"]
                .as_str()
                .is_some_and(|m| m.contains("/crates/domain/"))
        })
        .collect();
    assert!(
        domain.len() >= 2,
        "expected the kernel and identity crates under crates/domain/"
    );
    let breaches: Vec<String> = domain
        .iter()
        .filter_map(|p| {
            let hits = infrastructure_reached(p["id"].as_str().expect("id"), &nodes, &names);
            (!hits.is_empty()).then(|| format!("{} reaches {}", p["name"], hits.join(", ")))
        })
        .collect();
    assert!(
        breaches.is_empty(),
        "dependency rule broken:\n{}",
        breaches.join("\n")
    );
}

#[test]
fn the_check_sees_a_breach_when_there_is_one() {
    // The app crate depends on actix-web: the same walk must find it there.
    let meta = metadata();
    let (names, nodes) = graph(&meta);
    let app = names
        .iter()
        .find(|(_, n)| **n == "merx")
        .map(|(id, _)| *id)
        .expect("the merx app package");
    let hits = infrastructure_reached(app, &nodes, &names);
    assert!(hits.contains(&"actix-web".to_owned()), "{hits:?}");
}
