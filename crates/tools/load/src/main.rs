//! The load generator of `just bench`: guest buyers that add a product to a cart, open a
//! checkout session (cash on delivery) and confirm it, against one or more running Merx
//! instances, many in flight on a small tokio runtime so the driver leaves the cores to what
//! it measures.
//!
//! - `flash-sale`: one product with `--units` units and `--buyers` buyers at once; prints
//!   orders, oversold, p50/p99 of a buyer's whole checkout and buyers/s, and exits 1 unless
//!   exactly `--units` orders exist and nothing is oversold.
//! - `checkout`: `--products` products with ample stock and `--clients` buyers in a loop for
//!   `--seconds`; prints orders/s and p50/p99.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use reqwest::Client;
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// Base URL of an instance (repeat for several: buyers alternate).
    #[arg(long = "base", required = true)]
    bases: Vec<String>,
    #[arg(long, default_value = "bench@merx.test")]
    admin_email: String,
    #[arg(long, default_value = "bench-password-1")]
    admin_password: String,
    #[command(subcommand)]
    run: Run,
}

#[derive(Subcommand)]
enum Run {
    FlashSale {
        #[arg(long, default_value_t = 1000)]
        buyers: usize,
        #[arg(long, default_value_t = 50)]
        units: i64,
        #[arg(long, default_value_t = 100)]
        in_flight: usize,
    },
    Checkout {
        #[arg(long, default_value_t = 200)]
        products: usize,
        #[arg(long, default_value_t = 40)]
        clients: usize,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
}

/// How one buyer's checkout ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ordered,
    SoldOutAtCart,
    SoldOutAtCheckout,
    Failed(&'static str, u16),
}

struct Shop {
    client: Client,
    bases: Vec<String>,
    admin: String,
}

async fn send(
    client: &Client,
    url: String,
    body: Option<&Value>,
    session: Option<&str>,
    token: Option<&str>,
) -> Result<(u16, Value), reqwest::Error> {
    let mut req = match body {
        Some(b) => client.post(url).json(b),
        None => client.post(url),
    };
    if let Some(s) = session {
        req = req.header("X-Session-ID", s);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let bytes = res.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn get(client: &Client, url: String, token: &str) -> Result<Value, reqwest::Error> {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await
}

impl Shop {
    async fn connect(args: &Args) -> Result<Self, String> {
        let client = Client::builder()
            .pool_max_idle_per_host(1024)
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let login = json!({"email": args.admin_email, "password": args.admin_password});
        let (status, body) = send(
            &client,
            format!("{}/api/v1/auth/login", args.bases[0]),
            Some(&login),
            None,
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
        let admin = body["access_token"]
            .as_str()
            .ok_or(format!("admin login: {status} {body}"))?
            .to_owned();
        Ok(Self {
            client,
            bases: args.bases.clone(),
            admin,
        })
    }

    /// A new active product with one variant of `units`; its variant id.
    async fn product(&self, sku: &str, units: i64) -> Result<(String, String), String> {
        let body = json!({"name": format!("Bench {sku}"), "status": "active", "currency": "USD",
            "variants": [{"sku": sku, "name": "Default", "price": 12_000, "inventory_count": units}]});
        let url = format!("{}/api/v1/products", self.bases[0]);
        let (status, p) = send(&self.client, url, Some(&body), None, Some(&self.admin))
            .await
            .map_err(|e| e.to_string())?;
        match (p["id"].as_str(), p["variants"][0]["id"].as_str()) {
            (Some(id), Some(v)) if status == 201 => Ok((id.to_owned(), v.to_owned())),
            _ => Err(format!("product {sku}: {status} {p}")),
        }
    }

    /// One guest buys one unit: add to cart, open a session, confirm.
    async fn buy(&self, buyer: usize, variant: &str) -> Outcome {
        let base = &self.bases[buyer % self.bases.len()];
        let session = format!("sess-load-{buyer:09}");
        let session = Some(session.as_str());
        let c = &self.client;
        let add = json!({"variant_id": variant, "quantity": 1});
        let Ok((s, cart)) = send(
            c,
            format!("{base}/api/v1/cart/items"),
            Some(&add),
            session,
            None,
        )
        .await
        else {
            return Outcome::Failed("add", 0);
        };
        match s {
            201 => {}
            409 => return Outcome::SoldOutAtCart,
            s => return Outcome::Failed("add", s),
        }
        let open = json!({"cart_id": cart["id"], "email": format!("buyer{buyer}@example.com"),
            "shipping_address": {"name": "Buyer", "line1": "1 Market St", "city": "San Francisco",
                                 "state": "CA", "postal_code": "94105", "country": "US"},
            "shipping_method": "standard", "payment_method": "cash_on_delivery"});
        let url = format!("{base}/api/v1/checkout/sessions");
        let Ok((s, checkout)) = send(c, url, Some(&open), session, None).await else {
            return Outcome::Failed("session", 0);
        };
        match s {
            201 => {}
            409 => return Outcome::SoldOutAtCheckout,
            s => return Outcome::Failed("session", s),
        }
        let id = checkout["checkout_id"].as_str().unwrap_or_default();
        let url = format!("{base}/api/v1/checkout/sessions/{id}/confirm");
        match send(c, url, None, session, None).await {
            Ok((201, _)) => Outcome::Ordered,
            Ok((409, _)) => Outcome::SoldOutAtCheckout,
            Ok((s, _)) => Outcome::Failed("confirm", s),
            Err(_) => Outcome::Failed("confirm", 0),
        }
    }

    async fn orders(&self) -> Result<i64, String> {
        let base = self.bases.last().map_or("", String::as_str);
        let page = get(
            &self.client,
            format!("{base}/api/v1/orders?page_size=1"),
            &self.admin,
        )
        .await
        .map_err(|e| e.to_string())?;
        page["total"].as_i64().ok_or(format!("orders: {page}"))
    }
}

/// The nearest-rank quantile, `per_mille` of the samples at or below it, as "12.3 ms".
fn quantile(sorted: &[Duration], per_mille: usize) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    let rank = (per_mille * sorted.len())
        .div_ceil(1000)
        .clamp(1, sorted.len());
    let micros = sorted[rank - 1].as_micros();
    format!("{}.{} ms", micros / 1000, (micros % 1000) / 100)
}

/// `count` per second over `wall`, with one decimal.
fn per_second(count: usize, wall: Duration) -> String {
    let tenths = (count as u128 * 10_000_000) / wall.as_micros().max(1);
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn summary(outcomes: &[(Outcome, Duration)]) -> (String, Vec<Duration>) {
    let mut counts = std::collections::BTreeMap::new();
    for (o, _) in outcomes {
        *counts.entry(*o).or_insert(0_usize) += 1;
    }
    let mut latencies: Vec<Duration> = outcomes.iter().map(|(_, d)| *d).collect();
    latencies.sort_unstable();
    (format!("{counts:?}"), latencies)
}

async fn flash_sale(
    shop: Arc<Shop>,
    buyers: usize,
    units: i64,
    in_flight: usize,
) -> Result<bool, String> {
    let (pid, variant) = shop.product("FLASH-SNKR", units).await?;
    let variant = Arc::new(variant);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (shop, variant, next) = (shop.clone(), variant.clone(), next.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let buyer = next.fetch_add(1, Ordering::Relaxed);
                    if buyer >= buyers {
                        return done;
                    }
                    let t = Instant::now();
                    let outcome = shop.buy(buyer, &variant).await;
                    done.push((outcome, t.elapsed()));
                }
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(buyers);
    for w in workers {
        outcomes.extend(w.await.map_err(|e| e.to_string())?);
    }
    let wall = started.elapsed();
    let created = shop.orders().await?;
    let base = shop.bases.last().map_or("", String::as_str);
    let level = get(
        &shop.client,
        format!("{base}/api/v1/inventory/{pid}/variants/{variant}"),
        &shop.admin,
    )
    .await
    .map_err(|e| e.to_string())?;
    let left = level["inventory_count"].as_i64().unwrap_or(i64::MIN);
    let reserved = level["reserved"].as_i64().unwrap_or(i64::MIN);
    let oversold = (created - units).max(0) + (-left).max(0);
    let (counts, lat) = summary(&outcomes);
    println!(
        "buyers={buyers} units={units} in_flight={in_flight} instances={}",
        shop.bases.len()
    );
    println!("orders created: {created} (must be {units})");
    println!("oversold: {oversold} (must be 0); stock left: {left}, reserved: {reserved}");
    println!("outcomes: {counts}");
    println!(
        "buyer checkout latency: p50 {}  p99 {}  max {}",
        quantile(&lat, 500),
        quantile(&lat, 990),
        quantile(&lat, 1000)
    );
    println!(
        "throughput: {} buyers/s ({} ms for {buyers} buyers)",
        per_second(buyers, wall),
        wall.as_millis()
    );
    Ok(created == units && oversold == 0 && left == 0 && reserved == 0)
}

async fn checkout(
    shop: Arc<Shop>,
    products: usize,
    clients: usize,
    seconds: u64,
) -> Result<bool, String> {
    let mut variants = Vec::with_capacity(products);
    for i in 0..products {
        variants.push(shop.product(&format!("LOAD-{i:04}"), 1_000_000).await?.1);
    }
    let variants = Arc::new(variants);
    let before = shop.orders().await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (shop, variants, next) = (shop.clone(), variants.clone(), next.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                while Instant::now() < deadline {
                    let buyer = next.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let outcome = shop.buy(buyer, &variants[buyer % variants.len()]).await;
                    done.push((outcome, t.elapsed()));
                }
                done
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(w.await.map_err(|e| e.to_string())?);
    }
    let wall = started.elapsed();
    let orders = shop.orders().await? - before;
    let ordered = outcomes
        .iter()
        .filter(|(o, _)| *o == Outcome::Ordered)
        .count();
    let (counts, lat) = summary(&outcomes);
    let rate = per_second(usize::try_from(orders).unwrap_or(0), wall);
    println!(
        "products={products} clients={clients} seconds={seconds} instances={}",
        shop.bases.len()
    );
    println!("outcomes: {counts}");
    println!("orders: {orders} ({rate} orders/s)");
    println!(
        "buyer checkout latency: p50 {}  p99 {}  max {}",
        quantile(&lat, 500),
        quantile(&lat, 990),
        quantile(&lat, 1000)
    );
    Ok(usize::try_from(orders).is_ok_and(|o| o == ordered))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // Two worker threads: the driver shares the machine with what it measures.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        let shop = Arc::new(Shop::connect(&args).await?);
        match args.run {
            Run::FlashSale {
                buyers,
                units,
                in_flight,
            } => flash_sale(shop, buyers, units, in_flight).await,
            Run::Checkout {
                products,
                clients,
                seconds,
            } => checkout(shop, products, clients, seconds).await,
        }
    });
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("FAILED: the counts are not exact");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
